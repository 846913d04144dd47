import AuditStore
import Configuration
import Gateway
import Governance
import Logging
import MetricsEndpoint
import MosesFiles
import Notifications
import Runtime
import SystemdNotify
import WireFormats

/// Builds a daemon from its settings: the one place the parts are wired (`run`, `demo`,
/// the live bench and the tests all build through it).
///
/// Used on one thread, before any service starts.
package struct DaemonBuilder {
    package var settings: DaemonSettings
    /// The gateway token; nil: none.
    package var token: String?
    /// The device identity the client signs its connect with.
    package var identity: DeviceIdentity?
    /// The version sent as `client.version` and recorded with the start.
    package var version: String
    package var logger: Logger
    /// Where READY=, STATUS= and watchdog pings go (a notifier without a socket sends nothing).
    package var systemd: SystemdNotifier
    /// Whether the gateway client is built; false when the caller drives the pipeline itself
    /// (the live bench's own client).
    package var connectsToGateway = true
    /// Whether each durable violation is logged (the daemon's journal line).
    package var logsViolations = true
    /// Told of each committed batch's violations, on the writer thread (the demo prints them).
    package var onDurableViolations: (@Sendable ([Violation]) -> Void)?
    /// See `GatewayPipeline.onFound`.
    package var onFound: (@Sendable (Violation, Int64) -> Void)?
    /// How long one service's stop may take.
    package var stopDeadline: Duration = .seconds(20)
    /// How long the delivery worker sleeps with nothing due; nil: its default. A durable
    /// violation wakes it at once whatever this is.
    package var deliveryIdleWakeMs: Int64?

    package init(
        settings: DaemonSettings, token: String? = nil, identity: DeviceIdentity? = nil, version: String, logger: Logger,
        systemd: SystemdNotifier = SystemdNotifier(environment: [:])
    ) {
        self.settings = settings
        self.token = token
        self.identity = identity
        self.version = version
        self.logger = logger
        self.systemd = systemd
    }

    /// Opens the store as `make()` would, checks it, and closes it again (`run --dry-run`).
    ///
    /// - Returns: the store's check at start; nil when `settings.storeCheck` is nil.
    /// - Throws: when the store, its outbox or the capture file cannot be opened, or the store
    ///   cannot be closed.
    package func checkStore() throws -> StoreIntegrityReport? {
        var settings = settings
        settings.isDryRun = true
        let store = try openStore(settings)
        _ = try openCapture(settings)
        store.integrity?.stop()
        try store.writer.close()
        return store.check
    }

    /// Builds every part; nothing runs before `Daemon.start()` but the store writer (and the
    /// store's check at start).
    package func make() throws -> Daemon {
        let logger = logger
        let systemd = systemd
        let settings = settings
        let store = try openStore(settings)
        let integrity = store.integrity
        let storeHealth = store.health
        let pipelineBox = store.pipelineBox
        let recorder = try openCapture(settings)
        let pipeline = GatewayPipeline(
            engine: GovernanceEngine(policy: settings.policy, state: store.initialState), writer: store.writer, logger: logger,
            capture: recorder, onFound: onFound,
            onStatus: { status in
                // A corrupt or unwritable store stays in STATUS= whatever the connection does.
                let line = storeHealth.decorate(status.statusLine) + pipelineBox.unverifiableAuditsNote
                try? systemd.notify(.status((integrity?.isCorrupt == true ? "audit store corrupt; " : "") + line))
                if case .stopped(let reason?) = status, case .authenticationRejected = reason { SignalPipe.notify(Daemon.haltByte) }
            }
        )
        pipelineBox.set(pipeline)
        var configuration = GatewayClientConfiguration()
        configuration.url = settings.gatewayURL
        configuration.token = token
        configuration.caFilePath = settings.caFilePath
        configuration.protocolMode = settings.protocolMode
        configuration.deviceTokenPath = settings.identityPath + ".device-token"
        configuration.version = version
        configuration.governedAgents = settings.governedAgents
        // After a restart: what the gateway committed while the daemon was down is re-read
        // and judged once, and the open cycles go on where they stood.
        var ledgerResume: LedgerTail.ResumePoint?
        if settings.resumesJudgedActivity {
            let resume = RestartResume.read(
                databasePath: settings.databasePath, windowMs: settings.restartResyncWindowMs,
                conversationLimit: settings.restartResyncConversations, historyLimit: configuration.historyLimit, logger: logger)
            configuration.restartResync = resume.resync
            pipeline.resume(resume.activity)
            ledgerResume = resume.ledgerResume
        }
        let client = try connectsToGateway
            ? GatewayClient(configuration: configuration, identity: identity, sink: pipeline, logger: logger) : nil
        if let client { storeHealth.attach(client) }
        // The configuration as loaded, kept for SIGHUP reloads.
        let holder = settings.configPath.flatMap { path in
            settings.loaded.map { ConfigHolder(initial: $0, path: path, loader: .fromEnvironment()) }
        }
        let parts = Daemon.Parts(
            writer: store.writer, pipeline: pipeline, client: client, watcher: store.watcher, delivery: store.delivery,
            integrity: integrity, holder: holder)
        let metrics = try settings.metricsAddress.map { address in
            try MetricsServer(address: address, logger: logger) { Daemon.metricsSnapshot(of: parts) }
        }
        let services = services(parts: parts, metrics: metrics, ledgerResume: ledgerResume, pipelineBox: pipelineBox)
        return Daemon(
            settings: settings, version: version, parts: parts, group: ServiceGroup(services, stopDeadline: stopDeadline, logger: logger),
            systemd: systemd, storeCheck: store.check, logger: logger)
    }

    /// The services in start order; the group stops them in reverse, which is the daemon's
    /// stop order: stop reading (client, watcher), record the stop and judge what is left,
    /// stop delivering (outcomes go through the writer), commit (the writer's close), then
    /// stop serving metrics.
    private func services(
        parts: Daemon.Parts, metrics: MetricsServer?, ledgerResume: LedgerTail.ResumePoint?, pipelineBox: PipelineBox
    ) -> [any Service] {
        let logger = logger
        let settings = settings
        let version = version
        var services: [any Service] = []
        if let metrics {
            services.append(ClosureService("metrics server", start: {
                let port = try metrics.start()
                logger.notice("serving metrics", metadata: ["metrics.port": "\(port)"])
            }, stop: { metrics.stop() }))
        }
        services.append(ClosureService(Daemon.writerServiceName, stop: {
            do {
                try parts.writer.close()
            } catch {
                logger.critical("violations could be neither stored nor spooled", metadata: ["error": "\(error)"])
                throw error
            }
        }))
        // The worker writes its outcomes through the writer: it starts after it and stops before.
        if let delivery = parts.delivery {
            services.append(ClosureService("delivery worker", start: { try delivery.start(writingThrough: parts.writer) }, stop: { delivery.stop() }))
        }
        services.append(ClosureService("pipeline", start: {
            parts.pipeline.recordDaemonEvent(.start, detail: "moses-coordinator \(version) watching \(RedactedURL(settings.gatewayURL))")
        }, stop: {
            do {
                try parts.pipeline.finish()
            } catch {
                // The store cannot write: what is held is written or spooled by close().
                logger.error("final flush failed; records are held for the spool", metadata: ["error": "\(error)"])
            }
        }))
        if let integrity = parts.integrity {
            let systemd = systemd
            services.append(ClosureService("store integrity monitor", start: {
                integrity.start { report in try? systemd.notify(.status("audit store corrupt: \(report)")) }
            }, stop: { integrity.stop() }))
        }
        // Records the stop once reading has stopped (the daemon's stop reason).
        services.append(ClosureService("stop record", stop: {
            parts.pipeline.recordDaemonEvent(.stop, detail: parts.stopReason.text)
        }))
        if let watcher = parts.watcher {
            services.append(ClosureService("MO§ES files watcher", start: {
                let isLedgerReadable = MosesFilesWatcher.isReadable(settings.ledgerPath)
                if !isLedgerReadable || !pipelineBox.canReadLedger { pipelineBox.handle(.ledgerReadable(false), logger: logger) }
                watcher.start(resumingLedger: ledgerResume, ledgerReadable: isLedgerReadable)
            }, stop: {
                watcher.stop()
                // The files' counters reach the store's stats view as the engine's do: at stop.
                _ = parts.writer.enqueue(.counters(CountersSnapshot(at: WallClock.milliseconds(), values: watcher.counters.metrics)))
            }))
        } else if settings.readsMosesFiles {
            services.append(ClosureService("ledger readability", start: {
                let isLedgerReadable = MosesFilesWatcher.isReadable(settings.ledgerPath)
                if !isLedgerReadable || !pipelineBox.canReadLedger { pipelineBox.handle(.ledgerReadable(false), logger: logger) }
            }, stop: {}))
        }
        if let client = parts.client {
            services.append(ClosureService("gateway client", start: { client.start() }, stop: { client.stop() }))
        }
        if settings.retentionDays > 0 {
            services.append(RetentionService(writer: parts.writer, days: settings.retentionDays))
        }
        return services
    }

    /// What is built before the store's check, and all a dry run builds.
    private struct OpenedStore {
        var writer: AuditWriter
        var delivery: DeliveryWorker?
        var watcher: MosesFilesWatcher?
        var initialState: GovernanceState
        var integrity: StoreIntegrityMonitor?
        var check: StoreIntegrityReport?
        var health: StoreHealthRelay
        var pipelineBox: PipelineBox
    }

    /// The capture file `settings.capturePath` names, opened for appending.
    private func openCapture(_ settings: DaemonSettings) throws(CaptureRecorder.CaptureError) -> CaptureRecorder? {
        try settings.capturePath.map { path throws(CaptureRecorder.CaptureError) in try CaptureRecorder(path: path) }
    }

    private func openStore(_ settings: DaemonSettings) throws -> OpenedStore {
        let logger = logger
        let systemd = systemd
        var writerConfiguration = settings.writer
        // Notifications go through the store's outbox: queued in the violation's own
        // transaction, delivered by a worker of their own once durable.
        var notify = DeliveryWorker.Configuration(settings.notifications)
        if let deliveryIdleWakeMs { notify.idleWakeMs = deliveryIdleWakeMs }
        let delivery = notify.channels.isEmpty ? nil
            : try DeliveryWorker(path: settings.databasePath, configuration: notify, logger: logger)
        writerConfiguration.notificationChannels = notify.channels
        if settings.appendsToLedger { writerConfiguration.mosesLedgerPath = settings.ledgerPath }
        writerConfiguration.spoolDirectory = settings.effectiveSpoolDirectory
        // While the store cannot write: gateway reading paused, STATUS= says so.
        let storeHealth = StoreHealthRelay { line in try? systemd.notify(.status(line)) }
        let logsViolations = logsViolations
        let onDurableViolations = onDurableViolations
        let writer = try AuditWriter(
            path: settings.databasePath, configuration: writerConfiguration, logger: logger,
            onDurable: { batch in
                // Told only once the batch is on disk.
                if logsViolations { for violation in batch.violations { ViolationLog.log(violation, to: logger) } }
                onDurableViolations?(batch.violations)
                if !batch.violations.isEmpty { delivery?.wake() }
            },
            onHealthChange: storeHealth.storeChanged
        )
        // The MO§ES files: the initial state before judging anything, then changes.
        // Legacy streams carry no run to tie a ledger append to: audits stay unverifiable.
        let pipelineBox = PipelineBox(canReadLedger: settings.protocolMode != .legacy, ledgerPath: settings.ledgerPath)
        let watcher: MosesFilesWatcher? = !settings.readsMosesFiles || (settings.ledgerPath == nil && settings.statePath == nil) ? nil
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
        // The store's pages (bounded quick_check) and its chain from the last verified row.
        let integrity = try settings.storeCheck.map { schedule in
            try StoreIntegrityMonitor(path: settings.databasePath, schedule: schedule, logger: logger)
        }
        let check = integrity?.checkAtStart()
        if let integrity { storeHealth.attach(integrity) }
        return OpenedStore(
            writer: writer, delivery: delivery, watcher: watcher, initialState: initialState,
            integrity: integrity, check: check, health: storeHealth, pipelineBox: pipelineBox)
    }
}
