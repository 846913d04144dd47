#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Configuration
import Gateway
import Logging
import MosesFiles
import Notifications
import SystemdNotify
import WireFormats

/// The coordinator daemon: its parts, built by `DaemonBuilder`, and the service group that
/// starts and stops them.
///
/// Owned by the thread that built it: `start()`, `run(until:)` and `stop()` are called from it.
package final class Daemon {
    /// The parts other code reads while the daemon runs (metrics, the demo's summary).
    package struct Parts: Sendable {
        /// The audit store's one writer.
        package var writer: AuditWriter
        /// Normalizes, judges and hands records to the writer.
        package var pipeline: GatewayPipeline
        /// The gateway client; nil when the caller drives the pipeline (the live bench).
        package var client: GatewayClient?
        /// The MO§ES files watcher; nil without a ledger or state file.
        package var watcher: MosesFilesWatcher?
        /// The outbox's delivery worker; nil without a notification channel.
        package var delivery: DeliveryWorker?
        /// The store's integrity monitor; nil when the settings check nothing.
        package var integrity: StoreIntegrityMonitor?
        /// The configuration file as loaded, for SIGHUP reloads; nil without one.
        package var holder: ConfigHolder?
        /// Recorded with the stop daemon event.
        var stopReason = StopReason()
    }

    /// How a daemon ended: the process's exit status.
    package enum Exit: Int32, Sendable {
        /// Stopped by a signal (also when violations were spooled).
        case stopped = 0
        /// Violations could be neither stored nor spooled at stop (EX_IOERR).
        case unstoredViolations = 74
        /// The gateway refused the credentials for good (EX_CONFIG): retrying would only hammer it.
        case credentialsRefused = 78
    }

    /// What the daemon was built from.
    package let settings: DaemonSettings
    /// Its parts.
    package let parts: Parts
    /// Its services, in start order.
    package let group: ServiceGroup
    /// The store's check at start; nil when the daemon has no integrity monitor.
    package let storeCheck: StoreIntegrityReport?
    private let version: String
    private let systemd: SystemdNotifier
    private let logger: Logger

    init(
        settings: DaemonSettings, version: String, parts: Parts, group: ServiceGroup, systemd: SystemdNotifier,
        storeCheck: StoreIntegrityReport?, logger: Logger
    ) {
        self.settings = settings
        self.version = version
        self.parts = parts
        self.group = group
        self.systemd = systemd
        self.storeCheck = storeCheck
        self.logger = logger
    }

    /// The judging pipeline.
    package var pipeline: GatewayPipeline { parts.pipeline }

    /// The store writer's service name: its failed stop (close) is the 74 exit.
    static let writerServiceName = "store writer"

    /// Written to the signal pipe when the client halts on a fatal rejection.
    package static let haltByte: UInt8 = 255

    /// Starts every service in order.
    ///
    /// - Throws: the first service's start error (those started are stopped again).
    package func start() throws {
        logger.notice("moses-coordinator starting", metadata: ["gateway.url": "\(RedactedURL(settings.gatewayURL))", "store.path": "\(settings.databasePath)"])
        try group.start()
    }

    /// Runs until SIGINT, SIGTERM or a halt: pings the systemd watchdog while judging is not
    /// wedged, reloads the configuration on SIGHUP; then stops.
    ///
    /// - Returns: how the daemon ended.
    /// - Throws: when a service cannot start.
    package func run(until signals: SignalPipe) throws -> Exit {
        try start()
        try? systemd.notify(.ready, .status("connecting to \(RedactedURL(settings.gatewayURL))"))
        if let storeCheck, storeCheck.isCorrupt { try? systemd.notify(.status("audit store corrupt: \(storeCheck)")) }
        var signal: Int32
        let pingInterval = systemd.watchdogPingInterval.map { Int32($0.components.seconds * 1_000 + $0.components.attoseconds / 1_000_000_000_000_000) }
        while true {
            signal = signals.wait(timeoutMs: pingInterval)
            if signal == SignalPipe.timedOut {
                // Ping only while the judging path is not wedged.
                if parts.pipeline.isResponsive { try? systemd.notify(.watchdog) }
                continue
            }
            guard signal == SIGHUP else { break }
            try? systemd.notify(.reloading)
            reload()
            try? systemd.notify(.ready)
        }
        let isHalted = signal == Int32(Self.haltByte)
        try? systemd.notify(.stopping)
        logger.notice("stopping", metadata: ["signal": "\(isHalted ? "gateway refused credentials" : "\(signal)")"])
        parts.stopReason.text = isHalted ? "gateway refused the credentials" : "signal \(signal)"
        let exit = stop()
        let counters = parts.client?.counters.snapshot
        logger.notice("moses-coordinator stopped", metadata: [
            "gateway.frames": "\(counters?.framesIn ?? 0)", "engine.violations": "\(parts.pipeline.engineCounters.violations)",
        ])
        if exit == .stopped && isHalted { return .credentialsRefused }
        return exit
    }

    /// Stops every service in reverse start order, each within the group's deadline.
    ///
    /// - Returns: `.unstoredViolations` when the store writer's close failed, else `.stopped`.
    @discardableResult
    package func stop() -> Exit {
        var exit = Exit.stopped
        for failure in group.stop() {
            // The writer's close logged its own critical line.
            if failure.service == Self.writerServiceName && failure.error != nil {
                exit = .unstoredViolations
            } else {
                logger.error("service failed to stop", metadata: ["service": "\(failure.service)", "error": "\(failure)"])
            }
        }
        return exit
    }

    /// SIGHUP: validate the file, swap the policy in at once, keep the old on any error.
    func reload() {
        guard let holder = parts.holder else {
            logger.notice("SIGHUP without --config: nothing to reload")
            return
        }
        let outcome = holder.reload()
        switch outcome {
        case .applied(let sections, _):
            parts.pipeline.setPolicy(holder.current.policy)
            let later = sections.filter { $0 != "policy" }
            logger.notice("\(outcome.summary)", metadata: later.isEmpty ? [:] : ["config.restart_needed": "\(later.joined(separator: ","))"])
        case .unchanged:
            logger.notice("\(outcome.summary)")
        case .rejected:
            logger.error("\(outcome.summary)")
        }
    }
}
