#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Configuration
import Logging
import Runtime
import Synchronization
import WireFormats

/// The notifier: a thread with a read-only connection to the audit database that delivers
/// the outbox's due rows, one channel's rows in id order, with exponential backoff and
/// jitter, and flood control per (rule, conversation).
///
/// Rows come from the writer's transactions (see `AuditWriter.Configuration
/// .notificationChannels`), so nothing is announced before it is durable and nothing durable
/// is forgotten: pending rows are picked up again after a restart. A row is marked delivered
/// in its own transaction after a 2xx (webhook) or exit status 0 (exec); a crash between the
/// two delivers it again (at least once across crashes, exactly once otherwise). A slow or
/// down channel only delays its own rows: the worker is apart from the writer.
///
/// The store has one writing connection, the writer's: the worker reads the outbox on its
/// own read-only connection and writes each outcome through `AuditWriter.write(_:)`, which
/// returns once it is committed, so outcomes are durable and in order. There is no
/// standalone mode: without the store's writer the worker would need a second writing
/// connection, so `start(writingThrough:)` takes the writer (tests start a real one).
///
/// Shared between threads: `start`, `wake`, `stop`, `counters` and `outboxCounts` may be
/// called from any thread. `@unchecked Sendable` because `outbox`, `writer`, `flood` and
/// `random` are used only by the worker thread once `start()` has handed them over (checked by
/// `isRunningOnWorker`), and everything else is a `Mutex`, an `Atomic` or immutable.
package final class DeliveryWorker: @unchecked Sendable {
    /// What to deliver where, and how hard to try.
    package struct Configuration: Sendable {
        /// POST target, or nil for no webhook channel.
        package var webhookURL: String?
        /// Program path, or nil for no exec channel.
        package var execProgram: String?
        /// Flood control window per (rule, conversation), ms; 0 turns it off.
        package var suppressionWindowMs: Int64 = 60_000
        /// Attempts before a row is marked failed.
        package var maxAttempts = 12
        package var backoff = DeliveryBackoff()
        package var webhookTimeoutMs = 10_000
        package var execTimeoutMs = 10_000
        /// A private CA for an `https://` webhook, or nil for the system store.
        package var caFilePath: String?
        /// The longest the worker sleeps without a doorbell (counts refresh, rows written
        /// by another process).
        package var idleWakeMs: Int64 = 5_000

        package init(webhookURL: String? = nil, execProgram: String? = nil, suppressionWindowMs: Int64 = 60_000) {
            self.webhookURL = webhookURL
            self.execProgram = execProgram
            self.suppressionWindowMs = suppressionWindowMs
        }

        /// The operator's notification settings.
        package init(_ settings: NotificationSettings) {
            self.init(
                webhookURL: settings.webhookURL, execProgram: settings.execProgram,
                suppressionWindowMs: settings.suppressionWindowMs)
        }

        /// The channels configured, for `AuditWriter.Configuration.notificationChannels`.
        package var channels: [NotificationChannel] {
            (webhookURL == nil ? [] : [.webhook]) + (execProgram == nil ? [] : [.exec])
        }
    }

    /// Monotonic counters of this worker (since start).
    package struct Counters: Sendable, Equatable {
        package var attempts: UInt64 = 0
        package var delivered: UInt64 = 0
        /// Failed attempts that will be retried.
        package var retries: UInt64 = 0
        /// Rows given up on.
        package var failed: UInt64 = 0
        /// Rows held back by flood control.
        package var suppressed: UInt64 = 0
        /// Summary rows queued.
        package var summaries: UInt64 = 0
        /// Database errors of the worker's own bookkeeping.
        package var storeErrors: UInt64 = 0

        package init() {}

        /// Metric name and value pairs, `moses_notify_<what>_total`.
        package var metrics: [(name: String, value: UInt64)] {
            [
                ("moses_notify_attempts_total", attempts), ("moses_notify_delivered_total", delivered),
                ("moses_notify_retries_total", retries), ("moses_notify_failed_total", failed),
                ("moses_notify_suppressed_total", suppressed), ("moses_notify_summaries_total", summaries),
                ("moses_notify_store_errors_total", storeErrors),
            ]
        }
    }

    package let configuration: Configuration
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let doorbell = Doorbell()
    private let webhook: WebhookClient
    private let webhookURL: WebhookURL?
    private let isStopRequested = Atomic<Bool>(false)
    private let shared = Mutex(Shared())

    private struct Shared {
        var counters = Counters()
        var outboxCounts = OutboxCounts()
        var thread: NamedThread?
    }

    private let path: String

    // Worker thread only (after start(); set by `start(writingThrough:)` before it).
    private var outbox: Outbox?
    private var writer: AuditWriter?
    private var flood: FloodControl
    private var random = SystemRandomNumberGenerator()

    /// A worker for the database at `path`; `start(writingThrough:)` starts delivering.
    ///
    /// - Parameters:
    ///   - path: the audit database (the writer creates and migrates it).
    ///   - configuration: channels, flood control, retry policy.
    ///   - logger: the component's logger.
    ///   - clock: wall-clock ms (the outbox's times are the writer's wall clock).
    /// - Throws: `NotificationError.invalidWebhookURL`.
    package init(
        path: String, configuration: Configuration, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.milliseconds() }
    ) throws {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: NotifyLogKey.component] = "notifications"
        self.logger = logger
        self.clock = clock
        webhookURL = try configuration.webhookURL.map { url throws(NotificationError) in try WebhookURL(parsing: url) }
        webhook = WebhookClient(caFilePath: configuration.caFilePath)
        flood = FloodControl(windowMs: configuration.suppressionWindowMs)
        self.path = path
    }

    /// Opens the read-only connection and starts the worker thread, writing outcomes through
    /// `writer` (the store's one writer on the same file). Call once.
    ///
    /// - Throws: `DatabaseError` when the database cannot be opened for reading.
    package func start(writingThrough writer: AuditWriter) throws(DatabaseError) {
        let outbox = try Outbox(path: path)
        shared.withLock { $0.outboxCounts = (try? outbox.counts()) ?? OutboxCounts() }
        self.outbox = outbox
        self.writer = writer
        start()
    }

    /// Starts the worker thread, once `start(writingThrough:)` has handed it the outbox and
    /// the writer.
    package func start() {
        // The thread holds `self` until `run()` returns; `stop()` joins it.
        let thread = NamedThread.start(name: "moses-notify") { [self] in run() }
        shared.withLock { $0.thread = thread }
        logger.notice("notifications started", metadata: [
            NotifyLogKey.channels: "\(configuration.channels.map(\.rawValue).joined(separator: ","))",
        ])
    }

    /// Tells the worker new rows may be due (call from the writer's `onDurable`). Any thread.
    package func wake() { doorbell.ring() }

    /// Stops the worker: interrupts a delivery in progress (not counted as an attempt; the
    /// row stays pending) and joins the thread. Any thread but the worker's; idempotent.
    package func stop() {
        isStopRequested.store(true, ordering: .releasing)
        webhook.cancel()
        doorbell.ring()
        let thread: NamedThread? = shared.withLock { state in
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
    }

    /// A snapshot of the worker's counters.
    package var counters: Counters { shared.withLock { $0.counters } }

    /// The outbox's counts as of the worker's last pass (pending, delivered, failed, suppressed).
    package var outboxCounts: OutboxCounts { shared.withLock { $0.outboxCounts } }

    private var isStopping: Bool { isStopRequested.load(ordering: .acquiring) }

    // MARK: Worker thread

    fileprivate func run() {
        guard let outbox, let writer else { preconditionFailure("start() without start(writingThrough:)") }
        while !isStopping {
            let now = clock()
            var nextWake = now + configuration.idleWakeMs
            var didWork = false
            do {
                try summarizeEndedWindows(outbox: outbox, writer: writer, now: now, nextWake: &nextWake)
                for head in try outbox.pendingHeads() where !isStopping {
                    if head.nextAttemptAt > now {
                        nextWake = min(nextWake, head.nextAttemptAt)
                        continue
                    }
                    try process(head, writer: writer, nextWake: &nextWake)
                    didWork = true
                }
                flood.prune(now: now)
                let counts = try outbox.counts()
                shared.withLock { $0.outboxCounts = counts }
            } catch {
                shared.withLock { $0.counters.storeErrors += 1 }
                logger.error("notification bookkeeping failed, retrying", metadata: [NotifyLogKey.error: "\(error)"])
                nextWake = now + 1_000
            }
            if !didWork && !isStopping { doorbell.wait(milliseconds: nextWake - clock()) }
        }
        outbox.close()
        logger.notice("notifications stopped")
    }

    private func process(_ head: OutboxRow, writer: AuditWriter, nextWake: inout Int64) throws {
        guard flood.admits(head) else {
            try writer.write(.suppressed(id: head.id))
            shared.withLock { $0.counters.suppressed += 1 }
            return
        }
        let result = deliver(head)
        if case .failure(.stopped) = result { return }
        let attempts = head.attempts + 1
        shared.withLock { $0.counters.attempts += 1 }
        switch result {
        case .success:
            try writer.write(.delivered(id: head.id, attempts: attempts, at: clock()))
            shared.withLock { $0.counters.delivered += 1 }
            logger.debug("notification delivered", metadata: [
                NotifyLogKey.channel: "\(head.channel)", NotifyLogKey.outboxID: "\(head.id)",
            ])
        case .failure(let error):
            if attempts >= configuration.maxAttempts || !error.isRetryable {
                try writer.write(.failed(id: head.id, attempts: attempts, error: "\(error)"))
                shared.withLock { $0.counters.failed += 1 }
                logger.error("notification failed, giving up", metadata: [
                    NotifyLogKey.channel: "\(head.channel)", NotifyLogKey.outboxID: "\(head.id)",
                    NotifyLogKey.attempt: "\(attempts)", NotifyLogKey.error: "\(error)",
                ])
            } else {
                let delay = configuration.backoff.delayMs(
                    afterAttempts: attempts, random: Double.random(in: 0..<1, using: &random))
                let next = clock() + delay
                try writer.write(.retry(id: head.id, attempts: attempts, nextAttemptAt: next, error: "\(error)"))
                nextWake = min(nextWake, next)
                shared.withLock { $0.counters.retries += 1 }
                logger.info("notification failed, retrying", metadata: [
                    NotifyLogKey.channel: "\(head.channel)", NotifyLogKey.outboxID: "\(head.id)",
                    NotifyLogKey.attempt: "\(attempts)", NotifyLogKey.delayMs: "\(delay)",
                    NotifyLogKey.error: "\(error)",
                ])
            }
        }
    }

    private func deliver(_ row: OutboxRow) -> Result<Void, NotificationError> {
        let body = Array((row.payload + "\n").utf8)
        switch NotificationChannel(rawValue: row.channel) {
        case .webhook:
            guard let webhookURL else { return .failure(.channelNotConfigured(row.channel)) }
            switch webhook.post(body, to: webhookURL, timeoutMs: configuration.webhookTimeoutMs) {
            case .success(let status) where (200..<300).contains(status): return .success(())
            case .success(let status): return .failure(.httpStatus(status))
            case .failure(let error): return .failure(error)
            }
        case .exec:
            guard let program = configuration.execProgram else { return .failure(.channelNotConfigured(row.channel)) }
            return ExecRunner(program: program).run(
                input: body, timeoutMs: configuration.execTimeoutMs, isCancelled: { self.isStopping })
        case nil:
            return .failure(.channelNotConfigured(row.channel))
        }
    }

    /// Queues a "suppressed N since T" row for each group whose window has ended.
    private func summarizeEndedWindows(outbox: Outbox, writer: AuditWriter, now: Int64, nextWake: inout Int64) throws {
        for group in try outbox.suppressedGroups() {
            if let end = flood.windowEnd(of: group), end > now {
                nextWake = min(nextWake, end)
                continue
            }
            try writer.write(.summary(group, payload: Self.summaryPayload(for: group), at: now))
            shared.withLock { $0.counters.summaries += 1 }
            logger.notice("notifications suppressed", metadata: [
                NotifyLogKey.channel: "\(group.channel)", ViolationLog.Key.rule: "\(group.rule)",
                ViolationLog.Key.conversation: "\(group.conversation)", NotifyLogKey.suppressed: "\(group.count)",
            ])
        }
    }

    /// The summary's JSON: what was held back, how many, and since when.
    package static func summaryPayload(for group: Outbox.SuppressedGroup) -> String {
        let since = LedgerTimestamp.string(fromMilliseconds: group.firstAt)
        return JSONValue.object([
            .init("kind", .string("suppressed")),
            .init("summary", .string("suppressed \(group.count) since \(since)")),
            .init("rule", .string(group.rule)),
            .init("conversation", .string(group.conversation)),
            .init("suppressed", .number(String(group.count))),
            .init("since", .string(since)),
            .init("first_at", .number(String(group.firstAt))),
            .init("last_at", .number(String(group.lastAt))),
        ]).pythonJSONString(.canonical)
    }
}

/// The notifier's log metadata keys.
enum NotifyLogKey {
    static let component = "component"
    static let channels = "notify.channels"
    static let channel = "notify.channel"
    static let outboxID = "notify.outbox.id"
    static let attempt = "notify.attempt"
    static let delayMs = "notify.delay.ms"
    static let suppressed = "notify.suppressed"
    static let error = "error"
}
