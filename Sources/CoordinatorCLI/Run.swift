#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AuditStore
import Configuration
import Gateway
import Governance
import Logging
import MetricsEndpoint
import MosesFiles
import Notifications
import Runtime
import Synchronization
import SystemdNotify
import WireFormats

extension GatewayProtocolMode: ExpressibleByArgument {}

extension MosesCoordinator {
    /// `moses-coordinator run`: the daemon in the foreground.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch an OpenClaw Gateway and store every MO§ES violation (the daemon, in the foreground).",
            discussion: """
                Connects to the gateway (challenge, Ed25519 device identity, operator.read), \
                follows the governed agents' sessions, judges every event and stores each \
                violation in the audit store before logging it. Reconnects forever with \
                jittered backoff; re-reads chat.history after a gap, a reconnect or a \
                gateway shutdown, and at start for the conversations active before the last \
                stop (what was judged before is not judged again). The token comes from \
                --token-file or OPENCLAW_GATEWAY_TOKEN, never from the command line. SIGTERM or SIGINT stops reading, flushes the \
                store and exits 0. SIGHUP reloads the configuration file: it is validated first \
                and an invalid one leaves the running configuration in place; the policy applies \
                at once (conversation state is kept), other sections at the next start.

                With a configuration, violations are also delivered to its webhook and exec \
                channels (through the store's outbox, after they are durable) and counters are \
                served as Prometheus text on its metrics address. --capture records every input \
                in the replay format, so `replay` of the file gives the same verdicts.

                Files: the device identity (created 0600 on first run) and the device token \
                the gateway may issue, next to it.

                The store is checked at start (PRAGMA quick_check, bounded, and its ledger chain \
                from the last verified row) and the chain again every --store-check-interval: \
                corruption is logged at error, shown in STATUS= and as moses_store_corrupt; \
                --dry-run fails on it.

                While the store cannot write (full disk, I/O error, corrupt database), records \
                are held in memory and retried, reading from the gateway is paused, and \
                STATUS= and moses_store_degraded say so; at a stop in that state the \
                violations go to the spool directory (--spool-dir) and are stored at the next start.

                Exit status: 0 after a signal (also when violations were spooled), 1 when the \
                store or identity cannot be opened (or, with --dry-run, the store fails its \
                check), 66 (EX_NOINPUT) when the token file cannot be read, 74 (EX_IOERR) \
                when violations could be neither stored nor spooled at \
                stop, 78 (EX_CONFIG) when the gateway refuses the credentials for good (a bad token \
                or device): retrying would only hammer it.

                Example:
                  OPENCLAW_GATEWAY_TOKEN=… moses-coordinator run --gateway ws://127.0.0.1:18789 --db /var/lib/moses-coordinator/audit.db
                """
        )

        @Option(help: ArgumentHelp("The configuration file (YAML; default $MOSES_COORDINATOR_CONFIG, else /etc/moses-coordinator/coordinator.yaml, when it exists); the options below override it.", valueName: "file"), completion: .file())
        var config: String?

        @Option(help: ArgumentHelp("The gateway's WebSocket URL (ws:// or wss://; default ws://127.0.0.1:18789).", valueName: "url"))
        var gateway: String?

        @Option(help: ArgumentHelp("A file holding the gateway token (else OPENCLAW_GATEWAY_TOKEN).", valueName: "file"), completion: .file())
        var tokenFile: String?

        @Option(help: ArgumentHelp("The device identity key file, created 0600 on first run (default /var/lib/moses-coordinator/identity.json).", valueName: "path"), completion: .file())
        var identity: String?

        @Option(help: ArgumentHelp("The audit store's SQLite database (default /var/lib/moses-coordinator/audit.db).", valueName: "path"), completion: .file())
        var db: String?

        @Option(help: ArgumentHelp("Where violations go when the store cannot take them at stop, taken in at the next start (default: spool beside the store).", valueName: "dir"), completion: .directory)
        var spoolDir: String?

        @Option(help: ArgumentHelp("The MO§ES audit ledger to tail (JSON lines).", valueName: "path"), completion: .file())
        var ledger: String?

        @Option(help: ArgumentHelp("The MO§ES governance state.json to watch.", valueName: "path"), completion: .file())
        var state: String?

        @Option(help: ArgumentHelp("A PEM CA bundle for a wss:// gateway with a private CA.", valueName: "file"), completion: .file())
        var caFile: String?

        @Option(name: .customLong("protocol"), help: "Wire protocol: \(GatewayProtocolMode.allCases.map(\.rawValue).joined(separator: ", ")).")
        var protocolMode: GatewayProtocolMode = .openclaw

        @Option(name: .customLong("agent"), help: ArgumentHelp("A governed agent id; repeat for several (default: every agent).", valueName: "id"))
        var agents: [String] = []

        @Option(help: ArgumentHelp("Record every input (gateway frames, ledger lines, state changes) to this file in the replay format.", valueName: "file"), completion: .file())
        var capture: String?

        @Flag(help: "Load the configuration, open the store and identity, read the token, then exit without connecting.")
        var dryRun = false

        @Option(help: ArgumentHelp("Seconds between two checks of the store's ledger chain while running (its pages: hourly).", valueName: "seconds"))
        var storeCheckInterval: Double = 300

        func validate() throws {
            if let gateway, !gateway.hasPrefix("ws://") && !gateway.hasPrefix("wss://") {
                throw ValidationError("--gateway must be a ws:// or wss:// URL.")
            }
            guard storeCheckInterval.isFinite, storeCheckInterval >= 0.1, storeCheckInterval <= 86_400 else {
                throw ValidationError("--store-check-interval \(storeCheckInterval): give seconds between 0.1 and 86400.")
            }
        }

        /// The settings in force: the configuration file's, overridden by options.
        struct Settings {
            var gatewayURL = "ws://127.0.0.1:18789"
            var tokenFile: String?
            var identityPath = "/var/lib/moses-coordinator/identity.json"
            var databasePath = "/var/lib/moses-coordinator/audit.db"
            /// nil: `spool` beside the database.
            var spoolDirectory: String?
            var ledgerPath: String?
            var statePath: String?
            var policy = Policy()
            var writer = AuditWriter.Configuration()
            var notifications = NotificationSettings()
            var metricsAddress: String?
            var appendsToLedger = false
            var retentionDays = 0
            var restartResyncWindowMs = GatewaySettings().restartResyncWindowMs
            var restartResyncConversations = GatewaySettings().restartResyncConversations
            /// The configuration file as loaded, kept for SIGHUP reloads.
            var loaded: CoordinatorConfig?
            /// Its path; nil when none was given and the packaged one does not exist.
            var configPath: String?
        }

        func settings() throws -> Settings {
            var settings = Settings()
            // As `check-config` and the service: the packaged configuration when it exists.
            if let config = config ?? ConfigOptions.defaultPathIfPresent {
                let loaded = try ConfigFile.load(config, command: "run")
                settings.configPath = config
                settings.loaded = loaded
                settings.gatewayURL = loaded.gateway.url
                settings.tokenFile = loaded.gateway.tokenFile
                settings.identityPath = loaded.gateway.identityPath
                settings.databasePath = loaded.store.path
                settings.spoolDirectory = loaded.store.spoolDir
                settings.ledgerPath = loaded.moses.ledgerPath
                settings.statePath = loaded.moses.statePath
                settings.policy = loaded.policy
                settings.writer.batchSize = loaded.store.batchRows
                settings.writer.batchIntervalMs = loaded.store.batchMs
                settings.writer.queueCapacity = loaded.store.queueCapacity
                settings.writer.overflowPolicy = AuditWriter.OverflowPolicy(rawValue: loaded.store.overflow.rawValue) ?? .block
                settings.notifications = loaded.notifications
                settings.metricsAddress = loaded.metrics.address
                settings.appendsToLedger = loaded.moses.appendsToLedger
                settings.retentionDays = loaded.store.retentionDays
                settings.restartResyncWindowMs = loaded.gateway.restartResyncWindowMs
                settings.restartResyncConversations = loaded.gateway.restartResyncConversations
            }
            if let gateway { settings.gatewayURL = gateway }
            if let tokenFile { settings.tokenFile = tokenFile }
            if let identity { settings.identityPath = identity }
            if let db { settings.databasePath = db }
            if let spoolDir { settings.spoolDirectory = spoolDir }
            if let ledger { settings.ledgerPath = ledger }
            if let state { settings.statePath = state }
            return settings
        }

        func run() throws {
            let logger = Logger(label: "moses.run")
            var settings = try settings()
            let token = try readToken(from: settings.tokenFile)
            StartupLog.log(configurationFile: settings.configPath, settings: settings, hasToken: token != nil, to: logger)
            let (deviceIdentity, isNew) = try DeviceIdentity.loadOrCreate(at: settings.identityPath)
            if isNew {
                logger.notice("created a device identity; a remote gateway will ask to approve it", metadata: ["device.id": "\(deviceIdentity.id)"])
            }
            // Signals are routed to a pipe before any thread starts, so no thread dies of them.
            let signals = try SignalPipe(signals: [SIGINT, SIGTERM, SIGHUP])
            // Notifications go through the store's outbox: queued in the violation's own
            // transaction, delivered by a worker of their own once durable.
            let notify = DeliveryWorker.Configuration(settings.notifications)
            let delivery = notify.channels.isEmpty ? nil
                : try DeliveryWorker(path: settings.databasePath, configuration: notify, logger: logger)
            settings.writer.notificationChannels = notify.channels
            if settings.appendsToLedger { settings.writer.mosesLedgerPath = settings.ledgerPath }
            // A dry run leaves the spool (and its reserved room) to the real start.
            settings.writer.spoolDirectory = dryRun ? nil : settings.spoolDirectory ?? Self.spoolDirectory(besideStore: settings.databasePath)
            let systemd = SystemdNotifier.fromProcessEnvironment()
            // While the store cannot write: gateway reading paused, STATUS= says so.
            let storeHealth = StoreHealthRelay { line in try? systemd.notify(.status(line)) }
            let writer = try AuditWriter(
                path: settings.databasePath, configuration: settings.writer, logger: logger,
                onDurable: { batch in
                    // Told only once the batch is on disk.
                    for violation in batch.violations { ViolationLog.log(violation, to: logger) }
                    if !batch.violations.isEmpty { delivery?.wake() }
                },
                onHealthChange: storeHealth.storeChanged
            )
            // The MO§ES files: the initial state before judging anything, then changes.
            // Legacy streams carry no run to tie a ledger append to: audits stay unverifiable.
            let pipelineBox = PipelineBox(canReadLedger: protocolMode != .legacy, ledgerPath: settings.ledgerPath)
            let watcher: MosesFilesWatcher? = (settings.ledgerPath == nil && settings.statePath == nil) ? nil
                : MosesFilesWatcher(ledgerPath: settings.ledgerPath, statePath: settings.statePath, ledgerGraceMs: settings.policy.auditGraceMs, logger: logger) { change in
                    pipelineBox.handle(change, logger: logger)
                }
            var initialState = GovernanceState.default
            if let watcher, settings.statePath != nil {
                switch watcher.initialState() {
                case let .success(state): initialState = state
                case let .failure(error): logger.warning("state file not usable; starting from the default state", metadata: ["error": "\(error)"])
                }
            }
            let recorder = try capture.map { path throws(CaptureRecorder.CaptureError) in try CaptureRecorder(path: path) }
            // The store's pages (bounded quick_check) and its chain from the last verified row.
            let integrity = try StoreIntegrityMonitor(path: settings.databasePath, schedule: storeCheckSchedule, logger: logger)
            let storeCheck = integrity.checkAtStart()
            storeHealth.attach(integrity)
            if dryRun {
                integrity.stop()
                try writer.close()
                if storeCheck.isCorrupt { throw StoreCorruptionError(path: settings.databasePath, report: storeCheck) }
                print("run: store \(settings.databasePath), identity \(deviceIdentity.id), token \(token == nil ? "absent" : "present"), gateway \(RedactedURL(settings.gatewayURL)): ok")
                return
            }
            integrity.start { report in try? systemd.notify(.status("audit store corrupt: \(report)")) }
            let pipeline = GatewayPipeline(
                engine: GovernanceEngine(policy: settings.policy, state: initialState), writer: writer, logger: logger,
                capture: recorder,
                onStatus: { status in
                    // A corrupt or unwritable store stays in STATUS= whatever the connection does.
                    let line = storeHealth.decorate(Self.statusLine(status)) + pipelineBox.unverifiableAuditsNote
                    try? systemd.notify(.status((integrity.isCorrupt ? "audit store corrupt; " : "") + line))
                    if case .stopped(let reason?) = status, case .authenticationRejected = reason { SignalPipe.notify(Self.haltByte) }
                }
            )
            pipelineBox.set(pipeline)
            var configuration = GatewayClientConfiguration()
            configuration.url = settings.gatewayURL
            configuration.token = token
            configuration.caFilePath = caFile
            configuration.protocolMode = protocolMode
            configuration.deviceTokenPath = settings.identityPath + ".device-token"
            configuration.version = CoordinatorVersion.current
            configuration.governedAgents = agents.isEmpty ? nil : Set(agents)
            // After a restart: what the gateway committed while the daemon was down is re-read
            // and judged once, and the open cycles go on where they stood.
            let resume = RestartResume.read(
                databasePath: settings.databasePath, windowMs: settings.restartResyncWindowMs,
                conversationLimit: settings.restartResyncConversations, historyLimit: configuration.historyLimit, logger: logger)
            configuration.restartResync = resume.resync
            pipeline.resume(resume.activity)
            let client = try GatewayClient(configuration: configuration, identity: deviceIdentity, sink: pipeline, logger: logger)
            storeHealth.attach(client)
            // The configuration as loaded above, kept for SIGHUP reloads.
            let holder = settings.configPath.flatMap { path in
                settings.loaded.map { ConfigHolder(initial: $0, path: path, loader: .fromEnvironment()) }
            }
            let metrics = try settings.metricsAddress.map { address in
                try MetricsServer(address: address, logger: logger) {
                    var snapshot = Self.metricsSnapshot(pipeline: pipeline, client: client, writer: writer, delivery: delivery, integrity: integrity, files: watcher)
                    if let holder { snapshot.add(named: holder.counters.metrics) }
                    return snapshot
                }
            }
            logger.notice("moses-coordinator starting", metadata: ["gateway.url": "\(RedactedURL(settings.gatewayURL))", "store.path": "\(settings.databasePath)"])
            pipeline.recordDaemonEvent(.start, detail: "moses-coordinator \(CoordinatorVersion.current) watching \(RedactedURL(settings.gatewayURL))")
            if let metrics {
                let port = try metrics.start()
                logger.notice("serving metrics", metadata: ["metrics.port": "\(port)"])
            }
            delivery?.start()
            let isLedgerReadable = MosesFilesWatcher.isReadable(settings.ledgerPath)
            if !isLedgerReadable || !pipelineBox.canReadLedger { pipelineBox.handle(.ledgerReadable(false), logger: logger) }
            watcher?.start(resumingLedger: resume.ledgerResume, ledgerReadable: isLedgerReadable)
            client.start()
            try? systemd.notify(.ready, .status("connecting to \(RedactedURL(settings.gatewayURL))"))
            if storeCheck.isCorrupt { try? systemd.notify(.status("audit store corrupt: \(storeCheck)")) }
            var signal: Int32
            var nextPruneAt = WallClock.milliseconds()
            let pingInterval = systemd.watchdogPingInterval.map { Int32($0.components.seconds * 1_000 + $0.components.attoseconds / 1_000_000_000_000_000) }
            while true {
                if settings.retentionDays > 0, WallClock.milliseconds() >= nextPruneAt {
                    // Retention: events older than the configured days go (violations stay).
                    let now = WallClock.milliseconds()
                    _ = writer.enqueue(.prune(before: now - Int64(settings.retentionDays) * 86_400_000))
                    nextPruneAt = now + Self.retentionIntervalMs
                }
                let wakeForRetention: Int32? = settings.retentionDays > 0 ? Int32(Self.retentionIntervalMs) : nil
                signal = signals.wait(timeoutMs: [pingInterval, wakeForRetention].compactMap { $0 }.min())
                if signal == SignalPipe.timedOut {
                    // Ping only while the judging path is not wedged.
                    if pingInterval != nil && pipeline.isResponsive { try? systemd.notify(.watchdog) }
                    continue
                }
                guard signal == SIGHUP else { break }
                try? systemd.notify(.reloading)
                reload(holder, into: pipeline, logger: logger)
                try? systemd.notify(.ready)
            }
            let isHalted = signal == Int32(Self.haltByte)
            try? systemd.notify(.stopping)
            logger.notice("stopping", metadata: ["signal": "\(isHalted ? "gateway refused credentials" : "\(signal)")"])
            // Stop reading first, then judge what is left and commit it; deliver what is durable.
            client.stop()
            watcher?.stop()
            // The files' counters reach the store's stats view as the engine's do: at stop.
            if let watcher { _ = writer.enqueue(.counters(CountersSnapshot(at: WallClock.milliseconds(), values: watcher.counters.metrics))) }
            pipeline.recordDaemonEvent(.stop, detail: isHalted ? "gateway refused the credentials" : "signal \(signal)")
            integrity.stop()
            do {
                try pipeline.finish()
            } catch {
                // The store cannot write: what is held is written or spooled by close().
                logger.error("final flush failed; records are held for the spool", metadata: ["error": "\(error)"])
            }
            do {
                try writer.close()
            } catch {
                logger.critical("violations could be neither stored nor spooled", metadata: ["error": "\(error)"])
                throw ExitCode(Self.exitUnstoredViolations)
            }
            delivery?.stop()
            metrics?.stop()
            let counters = client.counters.snapshot
            logger.notice("moses-coordinator stopped", metadata: [
                "gateway.frames": "\(counters.framesIn)", "engine.violations": "\(pipeline.engineCounters.violations)",
            ])
            if isHalted { throw ExitCode(78) }
        }

        /// SIGHUP: validate the file, swap the policy in at once, keep the old on any error.
        func reload(_ holder: ConfigHolder?, into pipeline: GatewayPipeline, logger: Logger) {
            guard let holder else {
                logger.notice("SIGHUP without --config: nothing to reload")
                return
            }
            let outcome = holder.reload()
            switch outcome {
            case .applied(let sections, _):
                pipeline.setPolicy(holder.current.policy)
                let later = sections.filter { $0 != "policy" }
                logger.notice("\(outcome.summary)", metadata: later.isEmpty ? [:] : ["config.restart_needed": "\(later.joined(separator: ","))"])
            case .unchanged:
                logger.notice("\(outcome.summary)")
            case .rejected:
                logger.error("\(outcome.summary)")
            }
        }

        /// The `STATUS=` line systemd shows for a gateway connection state.
        static func statusLine(_ status: GatewayStatus) -> String {
            switch status {
            case .connecting(let attempt): return "connecting to the gateway (attempt \(attempt))"
            case .ready(let version, _): return "connected to the gateway (protocol v\(version))"
            case .waiting(let retryInMs, let reason): return "gateway unavailable (\(reason)); retrying in \(retryInMs / 1_000) s"
            case .stopped(let reason): return reason.map { "stopped: \($0)" } ?? "stopped"
            }
        }

        /// Every counter the daemon keeps, for `/metrics` (called on the metrics thread).
        static func metricsSnapshot(
            pipeline: GatewayPipeline, client: GatewayClient, writer: AuditWriter, delivery: DeliveryWorker?,
            integrity: StoreIntegrityMonitor? = nil, files: MosesFilesWatcher? = nil
        ) -> MetricsSnapshot {
            var snapshot = MetricsSnapshot()
            snapshot.add(named: CountersSnapshot(at: WallClock.milliseconds(), engine: pipeline.engineCounters).values)
            snapshot.add(named: pipeline.normalizerCounters.metrics)
            snapshot.add(named: client.counters.snapshot.metrics)
            snapshot.add(named: writer.counters.named)
            snapshot.add("moses_store_queue_depth", value: Double(writer.queueDepth))
            snapshot.add("moses_store_batch_latency_seconds", value: Double(writer.counters.lastBatchMicroseconds) / 1e6)
            snapshot.add("moses_store_degraded", value: writer.counters.isDegraded ? 1 : 0)
            snapshot.add("moses_store_held_records", value: Double(writer.counters.heldNow))
            if case .ready = client.currentStatus {
                snapshot.add("moses_gateway_connected", value: 1)
            } else {
                snapshot.add("moses_gateway_connected", value: 0)
            }
            if let integrity {
                snapshot.add(named: integrity.counters.named)
                snapshot.add("moses_store_corrupt", value: integrity.isCorrupt ? 1 : 0)
            }
            if let delivery {
                snapshot.add(named: delivery.outboxCounts.metrics)
                snapshot.add(named: delivery.counters.metrics)
            }
            if let files { snapshot.add(named: files.counters.metrics) }
            return snapshot
        }

        /// When the store is checked while running.
        var storeCheckSchedule: StoreIntegrityMonitor.Schedule {
            var schedule = StoreIntegrityMonitor.Schedule()
            schedule.intervalNanoseconds = UInt64(storeCheckInterval * 1e9)
            return schedule
        }

        /// How often retention runs (at start, then hourly).
        static let retentionIntervalMs: Int64 = 3_600_000

        /// The exit status when violations could be neither stored nor spooled (EX_IOERR).
        static let exitUnstoredViolations: Int32 = 74

        /// The default spool directory: `spool` in the store's directory.
        static func spoolDirectory(besideStore databasePath: String) -> String {
            guard let slash = databasePath.lastIndex(of: "/") else { return "spool" }
            return String(databasePath[..<slash]) + "/spool"
        }

        /// Written to the signal pipe when the client halts on a fatal rejection.
        static let haltByte: UInt8 = 255

        /// The token from the token file, else `OPENCLAW_GATEWAY_TOKEN`; never from argv.
        func readToken(from tokenFile: String?) throws -> String? {
            if let tokenFile {
                return try TokenFile.read(tokenFile, command: "run")
            }
            if let value = getenv("OPENCLAW_GATEWAY_TOKEN") {
                let text = String(cString: value)
                return text.isEmpty ? nil : text
            }
            return nil
        }
    }
}

/// Turns SIGINT/SIGTERM into a byte on a pipe the main thread waits on (the self-pipe
/// trick: the handler only writes, which is async-signal-safe).
///
/// Both ends are close-on-exec, so no child inherits them; and a byte counts only when the
/// handler (or `notify`) also raised its bit in `signalPipePending`: a byte written by
/// anyone else is read and ignored, so it can neither stop the daemon nor fake a halt.
struct SignalPipe {
    private let readEnd: Int32

    /// Called before any thread starts, so no spawn can catch the ends before they are
    /// marked close-on-exec (`pipe2` is a GNU extension Swift's Glibc does not import).
    init(signals: [Int32]) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw ExitCode.failure }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        readEnd = ends[0]
        signalPipeWriteEnd.store(ends[1], ordering: .relaxed)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = signalPipeHandler
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    /// Wakes `wait()` with `byte` from any thread.
    static func notify(_ byte: UInt8) {
        signalPipePending.bitwiseOr(signalPipeBit(byte), ordering: .sequentiallyConsistent)
        var value = byte
        _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &value, 1)
    }

    /// What `wait(timeoutMs:)` returns when the time ran out.
    static let timedOut: Int32 = -1

    /// Blocks until a signal (or `notify`) arrives or `timeoutMs` passes (nil: forever);
    /// returns the signal's number (or byte), or `timedOut`.
    func wait(timeoutMs: Int32?) -> Int32 {
        guard let timeoutMs else { return wait() }
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let deadline = ContinuousClock.now + .milliseconds(max(0, timeoutMs))
        while true {
            let left = Int32(clamping: max(0, ContinuousClock.now.duration(to: deadline).wholeMilliseconds))
            let ready = poll(&descriptor, 1, left)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return Self.timedOut }
            if let byte = readRaised() { return byte }
        }
    }

    /// Blocks until a signal (or `notify`) arrives; returns its number (or byte).
    func wait() -> Int32 {
        while true {
            if let byte = readRaised() { return byte }
        }
    }

    /// Reads one byte; its value when its bit was raised (clearing it), nil when forged.
    private func readRaised() -> Int32? {
        var byte: UInt8 = 0
        while true {
            let count = read(readEnd, &byte, 1)
            if count == 1 { break }
            if count < 0 && errno == EINTR { continue }
            return 0
        }
        let bit = signalPipeBit(byte)
        let (old, _) = signalPipePending.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
        return old & bit != 0 ? Int32(byte) : nil
    }
}

/// The pipe's write end for the handler (an atomic: readable from a signal handler).
let signalPipeWriteEnd = Atomic<Int32>(-1)

/// One bit per byte raised and not yet read (signal numbers are below 64; other bytes share
/// bit 0, which no signal uses). Lock-free, so the handler may set it.
let signalPipePending = Atomic<UInt64>(0)

/// The bit of `signalPipePending` that vouches for `byte`.
func signalPipeBit(_ byte: UInt8) -> UInt64 {
    byte > 0 && byte < 64 ? 1 << UInt64(byte) : 1
}

/// The signal handler: a plain global function writing the signal number to the pipe.
func signalPipeHandler(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    signalPipePending.bitwiseOr(signalPipeBit(byte), ordering: .sequentiallyConsistent)
    _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &byte, 1)
}

/// Hands MO§ES file changes to the pipeline once it exists (the watcher is created first,
/// to read the initial state). `Sendable`: the pipeline reference sits in a mutex.
final class PipelineBox: Sendable {
    private let pipeline = Mutex<GatewayPipeline?>(nil)
    /// False for a legacy stream: the ledger never makes its audits judgeable.
    let canReadLedger: Bool
    let ledgerPath: String?

    init(canReadLedger: Bool = true, ledgerPath: String? = nil) {
        self.canReadLedger = canReadLedger
        self.ledgerPath = ledgerPath
    }

    func set(_ value: GatewayPipeline) { pipeline.withLock { $0 = value } }

    /// For `STATUS=`: how many audits could not be judged, while the ledger is not readable.
    var unverifiableAuditsNote: String {
        guard let pipeline = pipeline.withLock({ $0 }), !pipeline.isLedgerReadable else { return "" }
        return "; MO§ES ledger not readable, \(pipeline.engineCounters.unverifiableAudits) audits unverifiable"
    }

    /// Judges a ledger entry or a state change (the watcher's thread).
    func handle(_ change: MosesFilesWatcher.Change, logger: Logger) {
        guard let pipeline = pipeline.withLock({ $0 }) else { return }
        switch change {
        case let .ledgerTip(hash):
            pipeline.seedLedgerChain(tip: hash)
        case let .ledger(.entry(entry, bytes)):
            pipeline.inject(GovernanceEvent(at: entry.timestamp ?? WallClock.milliseconds(), kind: .ledgerEntry(entry)), captured: (.ledger, bytes))
        case .ledger(.refused):
            break  // counted and logged (rate-limited) by the watcher
        case let .state(state):
            pipeline.inject(GovernanceEvent(at: WallClock.milliseconds(), kind: .stateChanged(state)), captured: (.state, CaptureWriter.stateData(state)))
        case .stateRefused:
            break  // counted and logged (rate-limited) by the watcher
        case let .ledgerReadable(isReadable):
            guard canReadLedger || !isReadable else { return }
            pipeline.setLedgerReadable(isReadable, ledgerPath: canReadLedger ? ledgerPath : nil)
        }
    }
}
