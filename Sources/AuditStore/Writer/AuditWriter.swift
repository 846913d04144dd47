#if canImport(Glibc)
import Glibc
#endif
import Governance
import Logging
import Runtime

/// The audit store's writer: a thread that owns the write connection and commits what
/// producers enqueue in batches, behind a bounded queue.
///
/// A batch commits when it holds `batchSize` records or `batchIntervalMs` after its first
/// record arrived, whichever comes first, or at once on `flush()`/`close()`. Each batch is one
/// `BEGIN IMMEDIATE` transaction, rolled back whole when it fails. `onDurable` runs on the
/// writer thread after each commit, so a violation is on disk before anyone hears of it.
///
/// Nothing accepted is given up while the process runs. A batch that still fails after
/// `maxAttempts` quick attempts (disk full, I/O error, corrupt database, …) is *held* in
/// memory with everything queued behind it, and retried with a capped backoff until the
/// store takes it; the writer reports `StoreHealth.failing` once, then `.writable` when the
/// hold is written. The hold is bounded by `holdCapacity`: when full, its observations are
/// dropped (counted) and its violations kept; when it holds only violations, the writer stops
/// taking records and producers wait. Violations are never dropped by the overflow policy
/// either: they may use `violationReserve` places past `queueCapacity`, then their producer
/// waits. At `close()`, records the store still cannot take are spooled (violations only) to
/// `spoolDirectory`, and the next writer on that store takes the spool in first.
///
/// Shared between threads: `enqueue`, `flush`, `close`, `counters` and `setMaxPageCount` may
/// be called from any thread. The thread keeps the writer alive until `close()` returns.
/// `@unchecked Sendable` because every mutable property below the lock line is read and
/// written only while `lock` is held, and `applier` (the connection) and the hold are used
/// only by the writer thread after `init` hands them over.
package final class AuditWriter: @unchecked Sendable {
    /// What happens when a record arrives and the queue is full.
    package enum OverflowPolicy: String, Sendable, CaseIterable {
        /// The producer waits for room: nothing is lost, the producer slows down.
        case block
        /// An observation is dropped and counted (`moses_store_dropped_total`); the first
        /// drop is logged at warning. A violation is never dropped: it takes a place of the
        /// violation reserve, or waits as with `.block`.
        case drop
    }

    /// Batching, queue and retry settings.
    package struct Configuration: Sendable {
        /// Records per batch at most; a full batch commits at once.
        package var batchSize = 8_192
        /// A batch commits this long after its first record at the latest.
        package var batchIntervalMs = 20
        /// Records the queue holds before the overflow policy applies.
        package var queueCapacity = 65_536
        package var overflowPolicy = OverflowPolicy.block
        /// Places past `queueCapacity` that only violations (and outbox updates) may take, so
        /// that a queue full of observations never makes a violation wait or drop.
        package var violationReserve = 4_096
        /// Quick attempts per batch before the store is reported failing and the batch held.
        package var maxAttempts = 5
        /// Pause between attempts; doubles each time, up to `maxRetryDelayMs`.
        package var retryDelayMs = 50
        /// The longest pause between two attempts to write the hold.
        package var maxRetryDelayMs = 2_000
        /// Records held in memory while the store cannot write; past it observations are
        /// dropped and the writer stops taking records.
        package var holdCapacity = 65_536
        /// Where violations the store cannot take at `close()` are written, and read back
        /// (and stored first) when the writer opens. nil: they are reported lost instead.
        package var spoolDirectory: String?
        /// How long a statement waits for another connection's lock.
        package var busyTimeoutMs: Int32 = 5_000
        /// A cap on the database size in pages (`PRAGMA max_page_count`); nil for SQLite's
        /// default. Past it, batches fail with `SQLITE_FULL` as on a full disk.
        package var maxPageCount: Int?
        /// The writer connection's page cache in KiB (`PRAGMA cache_size = -N`). The
        /// per-conversation and per-agent indexes take a page per conversation in each batch;
        /// keeping them cached saves a read per row. SQLite's default is 2 MiB. The writer's
        /// CPU per row measured the same from 2 to 32 MiB (`bench --store-cache-kib`), and the
        /// cache is most of the daemon's growth under load, so 8 MiB.
        package var cacheSizeKiB = 8 * 1024
        /// When set, each violation is also appended to this MO§ES `audit_ledger.jsonl`
        /// (`MosesLedgerAppender`) after its batch commits and before `onDurable`. Off by
        /// default; the service turns it on from configuration.
        package var mosesLedgerPath: String?
        /// Channels each new violation is queued for in the outbox, in its own transaction.
        package var notificationChannels: [NotificationChannel] = []

        package init() {}
    }

    /// What `enqueue` did with a record.
    package enum EnqueueResult: Sendable, Equatable {
        case accepted
        /// Dropped by the `.drop` overflow policy; counted.
        case dropped
        /// The writer was closed; the record was not taken (counted as dropped).
        case closed
    }

    /// The writer's monotonic counters.
    package struct Counters: Sendable, Equatable {
        /// Records taken into the queue.
        package var accepted: UInt64 = 0
        /// Records in committed batches (duplicates included).
        package var written: UInt64 = 0
        /// Records skipped because the database already had them (replays).
        package var duplicates: UInt64 = 0
        /// Records refused by the overflow policy or after close (never a violation by policy).
        package var dropped: UInt64 = 0
        package var batches: UInt64 = 0
        /// Attempts that failed and were retried.
        package var retries: UInt64 = 0
        /// Attempts that failed (each is retried: nothing is given up while running), and
        /// records not stored at stop (observations; violations are spooled).
        package var failedBatches: UInt64 = 0
        package var failedRecords: UInt64 = 0
        /// Times the store stopped taking batches (each starts holding records).
        package var degradedEpisodes: UInt64 = 0
        /// Records moved into the hold, and observations dropped from it when it was full.
        package var held: UInt64 = 0
        package var holdDropped: UInt64 = 0
        /// Violations written to the spool at stop, and taken in from it at start.
        package var spooled: UInt64 = 0
        package var unspooled: UInt64 = 0
        /// Spool lines that were not violations (left in a `.refused` file).
        package var spoolRefused: UInt64 = 0
        /// Gauges: true while the store cannot write; records in the hold now.
        package var isDegraded = false
        package var heldNow: UInt64 = 0
        /// Violations appended to the MO§ES ledger, and appends that failed (logged, counted,
        /// not retried: the violation is in the store either way).
        package var mosesAppended: UInt64 = 0
        package var mosesAppendFailures: UInt64 = 0
        /// How long the last committed batch took (retries included), in microseconds: a
        /// gauge, so not among `named` (which the store keeps as monotonic counters).
        package var lastBatchMicroseconds: UInt64 = 0

        package init() {}

        /// Under their metric names.
        package var named: [(name: String, value: UInt64)] {
            [
                ("moses_store_accepted_total", accepted), ("moses_store_written_total", written),
                ("moses_store_duplicates_total", duplicates), ("moses_store_dropped_total", dropped),
                ("moses_store_batches_total", batches), ("moses_store_retries_total", retries),
                ("moses_store_failed_batches_total", failedBatches),
                ("moses_store_failed_records_total", failedRecords),
                ("moses_store_moses_ledger_appended_total", mosesAppended),
                ("moses_store_moses_ledger_append_failures_total", mosesAppendFailures),
                ("moses_store_degraded_episodes_total", degradedEpisodes),
                ("moses_store_held_total", held), ("moses_store_hold_dropped_total", holdDropped),
                ("moses_store_spooled_total", spooled), ("moses_store_unspooled_total", unspooled),
                ("moses_store_spool_refused_total", spoolRefused),
            ]
        }
    }

    /// Whether the store takes batches, as told to `onHealthChange` on each change.
    package enum StoreHealth: Sendable {
        /// Batches commit (again).
        case writable
        /// Batches fail with `error`; records are held and retried.
        case failing(DatabaseError)
    }

    /// A committed batch, as told to `onDurable`.
    package struct DurableBatch: Sendable {
        /// Violations now on disk for the first time.
        package var violations: [Violation]
        /// Records in the batch.
        package var records: Int
        /// Records the database already had.
        package var duplicates: Int
    }

    package let configuration: Configuration
    private let logger: Logger
    private let onDurable: @Sendable (DurableBatch) -> Void
    private let onHealthChange: @Sendable (StoreHealth) -> Void
    private let lock = ConditionLock()
    private var thread: NamedThread?

    // Guarded by `lock`.
    private var queue: RingBuffer<AuditRecord>
    private var state = Counters()
    private var isClosing = false
    private var isFinished = false
    /// Sequence numbers: records accepted so far, and records settled (committed, dropped
    /// from a full hold, or spooled or lost at stop).
    private var acceptedSequence: UInt64 = 0
    private var settledSequence: UInt64 = 0
    /// The highest sequence a `flush()` waits for; the writer commits without waiting for
    /// the batch window while `settledSequence` is below it.
    private var flushTarget: UInt64 = 0
    /// The error that made the store fail, while it fails.
    private var currentFailure: DatabaseError?
    /// The store's error when records were neither stored nor spooled at stop; `close()` throws it.
    private var unreportedFailure: DatabaseError?
    private var hasLoggedDrop = false
    private var hasLoggedHoldDrop = false
    /// A new size cap for the writer thread to apply, and a request to retry at once.
    private var requestedMaxPageCount: Int?
    private var isRetryRequested = false

    // Writer thread only (and `init`, before the thread starts).
    private let applier: AuditBatchApplier
    /// Records the store has not taken yet, oldest first (see the type's comment).
    private var hold: [AuditRecord] = []
    private var retryDelayMs = 0
    private var nextRetryAt = ContinuousClock.now
    private var degradedSince = ContinuousClock.now
    /// Spool files taken in at start: removed once their violations (the first this writer
    /// commits, since nothing overtakes them) are all stored.
    private var spoolFiles: [String] = []
    private var spoolRefusedFiles: Set<String> = []
    private var spoolViolationsLeft = 0

    /// Opens (creating and migrating) the database at `path`, takes in the spool when one is
    /// configured, and starts the writer thread.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - configuration: batching, queue, retry, hold and spool settings.
    ///   - logger: the component's logger.
    ///   - onDurable: called on the writer thread after each commit; keep it short.
    ///   - onHealthChange: called on the writer thread when the store starts failing and when
    ///     it takes batches again; keep it short.
    /// - Throws: `DatabaseError` for a locked, read-only, corrupt, full or newer-schema database.
    package init(
        path: String, configuration: Configuration = Configuration(), logger: Logger,
        onDurable: @escaping @Sendable (DurableBatch) -> Void = { _ in },
        onHealthChange: @escaping @Sendable (StoreHealth) -> Void = { _ in }
    ) throws(DatabaseError) {
        precondition(configuration.batchSize > 0 && configuration.queueCapacity > 0 && configuration.maxAttempts > 0)
        precondition(configuration.violationReserve > 0 && configuration.holdCapacity > 0)
        let database = try AuditDatabase.openWriter(path: path, busyTimeoutMs: configuration.busyTimeoutMs)
        // Integers from our own configuration, not input: pragmas take no bound parameters.
        try database.execute(sql: "PRAGMA cache_size = -\(configuration.cacheSizeKiB)")
        if let pages = configuration.maxPageCount {
            try database.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        self.applier = AuditBatchApplier(database: database)
        applier.notificationChannels = configuration.notificationChannels
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: StoreLogKey.path] = "\(path)"
        self.logger = logger
        self.onDurable = onDurable
        self.onHealthChange = onHealthChange
        self.queue = RingBuffer(capacity: configuration.queueCapacity + configuration.violationReserve)
        self.retryDelayMs = configuration.retryDelayMs
        if let directory = configuration.spoolDirectory {
            let spool = ViolationSpool(directory: directory)
            takeIn(spool)
            do throws(LedgerFileError) {
                try spool.reserveRoom()
            } catch {
                logger.warning("no room reserved for the violation spool", metadata: [StoreLogKey.error: "\(error)"])
            }
        }
        startThread()
    }

    /// Puts the spool's violations at the head of the hold, so they are stored before
    /// anything this run judges. Before the thread starts: no lock needed, none contended.
    private func takeIn(_ spool: ViolationSpool) {
        let contents = spool.load()
        guard !contents.files.isEmpty || !contents.filesWithRefusedLines.isEmpty else { return }
        if contents.refusedLines > 0 {
            logger.error("spool lines that are not violations were left in .refused files", metadata: [
                StoreLogKey.spool: "\(spool.directory)", StoreLogKey.failures: "\(contents.refusedLines)",
            ])
        }
        state.spoolRefused += UInt64(contents.refusedLines)
        spoolFiles = contents.files
        spoolRefusedFiles = contents.filesWithRefusedLines
        guard !contents.violations.isEmpty else {
            try? spool.remove(spoolFiles, keeping: spoolRefusedFiles)
            spoolFiles = []
            return
        }
        logger.notice("taking in spooled violations", metadata: [
            StoreLogKey.spool: "\(spool.directory)", StoreLogKey.batchSize: "\(contents.violations.count)",
        ])
        hold = contents.violations.map(AuditRecord.violation)
        spoolViolationsLeft = hold.count
        acceptedSequence += UInt64(hold.count)
        state.accepted += UInt64(hold.count)
        state.unspooled += UInt64(hold.count)
        state.heldNow = UInt64(hold.count)
    }

    // MARK: Producer side

    /// Hands one record to the writer.
    ///
    /// When the queue holds `queueCapacity` records, an observation waits (`.block`) or is
    /// dropped (`.drop`); a violation (or an outbox update) takes a place of the violation
    /// reserve, and waits only when that is full too.
    package func enqueue(_ record: AuditRecord) -> EnqueueResult {
        lock.lock()
        defer { lock.unlock() }
        let isNeverDropped = record.isNeverDropped
        while !isClosing && (isNeverDropped ? queue.isFull : queue.count >= configuration.queueCapacity) {
            guard isNeverDropped || configuration.overflowPolicy == .block else {
                state.dropped += 1
                if !hasLoggedDrop {
                    hasLoggedDrop = true
                    logger.warning("audit queue full, dropping observations (violations are kept)", metadata: [
                        StoreLogKey.queueCapacity: "\(configuration.queueCapacity)",
                    ])
                }
                return .dropped
            }
            lock.waitForProgress()
        }
        guard !isClosing else {
            state.dropped += 1
            return .closed
        }
        queue.append(record)
        acceptedSequence += 1
        state.accepted += 1
        if queue.count == 1 || queue.count >= configuration.batchSize || queue.count >= configuration.queueCapacity {
            lock.signalWork()
        }
        return .accepted
    }

    /// Waits until every record accepted before this call is committed, or the store is
    /// failing.
    ///
    /// - Throws: the store's error when it is failing (the records are held, not lost), or
    ///   when records were neither stored nor spooled at stop.
    package func flush() throws(DatabaseError) {
        lock.lock()
        defer { lock.unlock() }
        let target = acceptedSequence
        flushTarget = max(flushTarget, target)
        lock.signalWork()
        while settledSequence < target && !isFinished && currentFailure == nil { lock.waitForProgress() }
        if settledSequence < target, let failure = currentFailure { throw failure }
        if let failure = unreportedFailure {
            unreportedFailure = nil
            throw failure
        }
    }

    /// Stops taking records, commits everything accepted, and stops the thread. Idempotent.
    /// When the store still cannot write, its violations are spooled to `spoolDirectory`
    /// (and the observations counted in `failedRecords`).
    ///
    /// - Throws: the store's error when records were neither stored nor spooled (no spool
    ///   directory, or the spool could not be written; logged at critical).
    package func close() throws(DatabaseError) {
        lock.withLock {
            isClosing = true
            lock.signalWork()
            lock.broadcastProgress()
        }
        thread?.join()
        thread = nil
        let failure = lock.withLock { () -> DatabaseError? in
            defer { unreportedFailure = nil }
            return unreportedFailure
        }
        if let failure { throw failure }
    }

    /// Sets the database's size cap (`PRAGMA max_page_count`) before the next attempt and
    /// retries at once: an operator's quota change, or a test freeing room. Any thread.
    package func setMaxPageCount(_ pages: Int) {
        lock.withLock {
            requestedMaxPageCount = pages
            isRetryRequested = true
            lock.signalWork()
        }
    }

    /// A snapshot of the counters.
    package var counters: Counters { lock.withLock { state } }

    /// Records waiting in the queue now.
    package var queueDepth: Int { lock.withLock { queue.count } }

    /// True while the store cannot take batches (records are held and retried).
    package var isDegraded: Bool { lock.withLock { state.isDegraded } }

    // MARK: Writer thread

    private func startThread() {
        // The thread holds `self` until `run()` returns; `close()` joins it before the last
        // caller reference can go.
        thread = NamedThread.start(name: "moses-writer") { [self] in run() }
    }

    func run() {
        var batch: [AuditRecord] = []
        batch.reserveCapacity(configuration.batchSize)
        while true {
            lock.lock()
            guard hold.isEmpty else {
                // The store owes us the hold: keep taking what producers queue (as room
                // allows) until it is time to try again, or we stop.
                absorbQueueIntoHold()
                while !isClosing && !isRetryRequested && ContinuousClock.now < nextRetryAt {
                    lock.waitForWork(until: nextRetryAt)
                    absorbQueueIntoHold()
                }
                isRetryRequested = false
                let isStopping = isClosing
                lock.unlock()
                if isStopping {
                    finishWithHold()
                    return
                }
                writeFrontOfHold(attempts: currentFailureIsSet ? 1 : configuration.maxAttempts)
                continue
            }
            while queue.isEmpty && !isClosing { lock.waitForWork() }
            if queue.isEmpty && isClosing {
                isFinished = true
                lock.broadcastProgress()
                lock.unlock()
                return
            }
            // Fill the batch until it is full, its window ends, the queue is at capacity
            // (producers are waiting), or someone flushes or closes.
            let deadline = ContinuousClock.now + .milliseconds(configuration.batchIntervalMs)
            while queue.count < configuration.batchSize && queue.count < configuration.queueCapacity && !isClosing
                && flushTarget <= settledSequence && ContinuousClock.now < deadline {
                lock.waitForWork(until: deadline)
            }
            batch.removeAll(keepingCapacity: true)
            queue.removeFirst(upTo: configuration.batchSize, into: &batch)
            let counters = countersIncluding(batch.count)
            lock.broadcastProgress()  // room in the queue
            lock.unlock()

            let started = ContinuousClock.now
            let result = commit(batch, counters: counters, attempts: configuration.maxAttempts)
            switch result {
            case .success(let outcome):
                settleCommitted(batch, outcome: outcome, startedAt: started)
            case .failure(let error):
                // Nothing is given up: the batch heads the hold and is retried.
                lock.withLock {
                    hold = batch
                    state.held += UInt64(batch.count)
                    state.heldNow = UInt64(hold.count)
                }
                storeFailed(error)
            }
        }
    }

    private var currentFailureIsSet: Bool { lock.withLock { currentFailure != nil } }

    /// The counters as they will be once a batch of `count` records commits (stored in the
    /// same transaction). Lock held.
    private func countersIncluding(_ count: Int) -> Counters {
        var counters = state
        counters.written += UInt64(count)
        counters.batches += 1
        return counters
    }

    /// Tries to write up to one batch from the front of the hold.
    private func writeFrontOfHold(attempts: Int) {
        let count = min(configuration.batchSize, hold.count)
        let counters = lock.withLock { countersIncluding(count) }
        let started = ContinuousClock.now
        switch commit(hold.prefix(count), counters: counters, attempts: attempts) {
        case .success(let outcome):
            let written = Array(hold.prefix(count))
            hold.removeFirst(count)
            let recovered = lock.withLock { () -> Bool in
                state.heldNow = UInt64(hold.count)
                guard hold.isEmpty, currentFailure != nil else { return false }
                currentFailure = nil
                state.isDegraded = false
                return true
            }
            settleCommitted(written, outcome: outcome, startedAt: started)
            if recovered {
                let seconds = degradedSince.duration(to: .now).components.seconds
                logger.notice("audit store writable again; held records stored", metadata: [
                    StoreLogKey.degradedSeconds: "\(seconds)",
                ])
                onHealthChange(.writable)
            }
        case .failure(let error):
            storeFailed(error)
        }
    }

    /// An attempt failed: count it, schedule the next (capped backoff), and tell the
    /// operator once per episode.
    private func storeFailed(_ error: DatabaseError) {
        let isNewEpisode = lock.withLock { () -> Bool in
            state.failedBatches += 1
            let isNew = currentFailure == nil
            currentFailure = error
            if isNew {
                state.isDegraded = true
                state.degradedEpisodes += 1
                hasLoggedHoldDrop = false
            } else {
                state.retries += 1
            }
            lock.broadcastProgress()  // a flush waiting on these records returns
            return isNew
        }
        if isNewEpisode {
            degradedSince = .now
            retryDelayMs = configuration.retryDelayMs
            logger.error("audit store cannot write; holding records and retrying", metadata: [
                StoreLogKey.error: "\(error)", StoreLogKey.held: "\(hold.count)",
            ])
            onHealthChange(.failing(error))
        } else {
            retryDelayMs = min(retryDelayMs * 2, configuration.maxRetryDelayMs)
        }
        nextRetryAt = .now + .milliseconds(retryDelayMs)
    }

    /// A batch is on disk: count it, remove spool files it completes, tell the MO§ES ledger
    /// and `onDurable`.
    private func settleCommitted(_ batch: [AuditRecord], outcome: AuditBatchApplier.Outcome, startedAt: ContinuousClock.Instant) {
        let elapsed = UInt64(clamping: startedAt.duration(to: .now).wholeMicroseconds)
        lock.withLock {
            settledSequence += UInt64(batch.count)
            state.written += UInt64(batch.count)
            state.batches += 1
            state.lastBatchMicroseconds = elapsed
            state.duplicates += UInt64(outcome.duplicates)
            lock.broadcastProgress()
        }
        if spoolViolationsLeft > 0 {
            spoolViolationsLeft -= min(spoolViolationsLeft, batch.count(where: \.isViolation))
            if spoolViolationsLeft == 0, let directory = configuration.spoolDirectory {
                removeTakenInSpool(ViolationSpool(directory: directory))
            }
        }
        appendToMosesLedger(outcome.newViolations)
        onDurable(DurableBatch(violations: outcome.newViolations, records: batch.count, duplicates: outcome.duplicates))
    }

    private func removeTakenInSpool(_ spool: ViolationSpool) {
        do throws(LedgerFileError) {
            try spool.remove(spoolFiles, keeping: spoolRefusedFiles)
        } catch {
            // Taken in again at the next start; the store keeps each violation once.
            logger.warning("stored spool file not removed", metadata: [StoreLogKey.error: "\(error)"])
        }
        spoolFiles = []
        spoolRefusedFiles = []
    }

    /// Moves queued records into the hold while it has room; a full hold first drops its
    /// observations. Lock held.
    private func absorbQueueIntoHold(ignoringCapacity: Bool = false) {
        var moved = 0
        while !queue.isEmpty {
            if hold.count >= configuration.holdCapacity && !ignoringCapacity {
                let before = hold.count
                hold.removeAll { !$0.isViolation }
                let dropped = before - hold.count
                if dropped > 0 {
                    settledSequence += UInt64(dropped)
                    state.holdDropped += UInt64(dropped)
                    if !hasLoggedHoldDrop {
                        hasLoggedHoldDrop = true
                        logger.warning("audit hold full, dropping held observations (violations are kept)", metadata: [
                            StoreLogKey.held: "\(hold.count)", StoreLogKey.failures: "\(dropped)",
                        ])
                    }
                }
                // Full of violations: stop taking records; producers wait on the queue.
                if hold.count >= configuration.holdCapacity { break }
            }
            let room = ignoringCapacity ? queue.count : configuration.holdCapacity - hold.count
            let before = hold.count
            queue.removeFirst(upTo: room, into: &hold)
            moved += hold.count - before
        }
        guard moved > 0 else { return }
        state.held += UInt64(moved)
        state.heldNow = UInt64(hold.count)
        lock.broadcastProgress()  // room in the queue
    }

    /// Stopping with a hold: one more try, then the violations go to the spool.
    private func finishWithHold() {
        lock.withLock { absorbQueueIntoHold(ignoringCapacity: true) }
        while !hold.isEmpty && currentFailureIsSet {
            let before = hold.count
            writeFrontOfHold(attempts: 1)
            if hold.count == before { break }
        }
        while !hold.isEmpty && !currentFailureIsSet {
            // Not failing (spool take-in at a quick stop): write as usual.
            writeFrontOfHold(attempts: configuration.maxAttempts)
        }
        if !hold.isEmpty { spoolHold() }
        lock.withLock {
            isFinished = true
            lock.broadcastProgress()
        }
    }

    /// Writes the hold's violations to the spool; counts its observations as not stored.
    private func spoolHold() {
        let violations = hold.compactMap { record -> Violation? in
            if case .violation(let violation) = record { return violation }
            return nil
        }
        let observations = hold.count - violations.count
        let failure = lock.withLock { currentFailure }
        var isSpooled = false
        if let directory = configuration.spoolDirectory {
            let spool = ViolationSpool(directory: directory)
            spool.releaseRoom()
            do throws(LedgerFileError) {
                let file = violations.isEmpty ? nil : try spool.write(violations, at: WallClock.milliseconds())
                isSpooled = true
                // Their violations are stored or in the new file now.
                removeTakenInSpool(spool)
                logger.error("audit store cannot write at stop; violations spooled, observations not stored", metadata: [
                    StoreLogKey.spool: "\(file ?? directory)", StoreLogKey.spooled: "\(violations.count)",
                    StoreLogKey.failures: "\(observations)", StoreLogKey.error: "\(failure.map { "\($0)" } ?? "none")",
                ])
            } catch {
                logger.critical("audit store cannot write and the spool failed; violations lost", metadata: [
                    StoreLogKey.spool: "\(directory)", StoreLogKey.error: "\(error)",
                    StoreLogKey.failures: "\(violations.count)",
                ])
            }
        } else {
            logger.error("audit store cannot write at stop; records not stored", metadata: [
                StoreLogKey.batchSize: "\(hold.count)", StoreLogKey.error: "\(failure.map { "\($0)" } ?? "none")",
            ])
        }
        lock.withLock {
            settledSequence += UInt64(hold.count)
            if isSpooled {
                state.spooled += UInt64(violations.count)
                state.failedRecords += UInt64(observations)
            } else {
                state.failedRecords += UInt64(hold.count)
                unreportedFailure = failure ?? DatabaseError(code: .ioError, message: "records not stored at stop", operation: "close")
            }
            state.heldNow = 0
        }
        hold.removeAll()
    }

    /// Appends committed violations to the MO§ES ledger when configured; failures are
    /// counted and logged once per batch.
    private func appendToMosesLedger(_ violations: [Violation]) {
        guard let path = configuration.mosesLedgerPath, !violations.isEmpty else { return }
        let appender = MosesLedgerAppender(path: path)
        var appended: UInt64 = 0
        var failures: UInt64 = 0
        var firstError: LedgerFileError?
        for violation in violations {
            do throws(LedgerFileError) {
                try appender.append(violation)
                appended += 1
            } catch {
                failures += 1
                if firstError == nil { firstError = error }
            }
        }
        if let firstError {
            logger.error("MO§ES ledger append failed", metadata: [
                StoreLogKey.error: "\(firstError)", StoreLogKey.failures: "\(failures)",
            ])
        }
        lock.withLock {
            state.mosesAppended += appended
            state.mosesAppendFailures += failures
        }
    }

    private func commit(
        _ batch: some Collection<AuditRecord>, counters: Counters, attempts: Int
    ) -> Result<AuditBatchApplier.Outcome, DatabaseError> {
        var delayMs = configuration.retryDelayMs
        var attempt = 1
        while true {
            applyRequestedPageCount()
            do throws(DatabaseError) {
                let outcome = try applier.apply(batch, recordedAt: WallClock.milliseconds(), counters: counters.named)
                logger.debug("audit batch committed", metadata: [StoreLogKey.batchSize: "\(batch.count)"])
                return .success(outcome)
            } catch {
                guard error.isTransient, attempt < attempts else { return .failure(error) }
                lock.withLock { state.retries += 1 }
                logger.info("audit batch failed, retrying", metadata: [
                    StoreLogKey.batchSize: "\(batch.count)", StoreLogKey.error: "\(error)",
                    StoreLogKey.attempt: "\(attempt)",
                ])
                // A pause on the writer's own thread between quick attempts (backoff), not a
                // wait for a condition: nothing can signal that the disk has room again.
                usleep(UInt32(delayMs) * 1000)
                delayMs = min(delayMs * 2, configuration.maxRetryDelayMs)
                attempt += 1
            }
        }
    }

    /// Applies a size cap asked for by `setMaxPageCount` (writer thread: the connection's).
    private func applyRequestedPageCount() {
        guard let pages = lock.withLock({ () -> Int? in
            defer { requestedMaxPageCount = nil }
            return requestedMaxPageCount
        }) else { return }
        do throws(DatabaseError) {
            try applier.database.execute(sql: "PRAGMA max_page_count = \(pages)")
        } catch {
            logger.warning("size cap not changed", metadata: [StoreLogKey.error: "\(error)"])
        }
    }
}

/// The store's log metadata keys (`path` also for the daemon's startup lines).
package enum StoreLogKey {
    package static let path = "store.path"
    static let batchSize = "store.batch.size"
    static let queueCapacity = "store.queue.capacity"
    static let attempt = "store.attempt"
    static let failures = "store.failures"
    static let held = "store.held"
    static let spool = "store.spool"
    static let spooled = "store.spooled"
    static let degradedSeconds = "store.degraded_seconds"
    static let error = "error"
}
