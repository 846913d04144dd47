import AuditStore
import Configuration
import Gateway
import Governance

/// The settings a daemon is built from: the configuration file's, overridden by the
/// command line's options (`run` fills it), or set directly (`demo`, the bench, tests).
package struct DaemonSettings {
    /// The gateway's WebSocket URL.
    package var gatewayURL = "ws://127.0.0.1:18789"
    /// The file holding the gateway token; nil: `OPENCLAW_GATEWAY_TOKEN`.
    package var tokenFile: String?
    /// The device identity key file (the device token is kept beside it).
    package var identityPath = "/var/lib/moses-coordinator/identity.json"
    /// The audit store's SQLite database.
    package var databasePath = "/var/lib/moses-coordinator/audit.db"
    /// nil: `spool` beside the database.
    package var spoolDirectory: String?
    /// The MO§ES audit ledger to tail.
    package var ledgerPath: String?
    /// The MO§ES governance state.json to watch.
    package var statePath: String?
    /// The governance policy judged by.
    package var policy = Policy()
    /// The store writer's batching, queue and hold settings.
    package var writer = AuditWriter.Configuration()
    /// The webhook and exec channels violations are delivered to.
    package var notifications = NotificationSettings()
    /// Where `/metrics` is served (`host:port`); nil: not served.
    package var metricsAddress: String?
    /// Whether violations are also appended to the MO§ES ledger.
    package var appendsToLedger = false
    /// Days of events kept (violations stay); 0: all.
    package var retentionDays = 0
    /// How long before the last judged event a conversation is re-read after a restart.
    package var restartResyncWindowMs = GatewaySettings().restartResyncWindowMs
    /// The most conversations re-read after a restart.
    package var restartResyncConversations = GatewaySettings().restartResyncConversations
    /// The configuration file as loaded, kept for SIGHUP reloads.
    package var loaded: CoordinatorConfig?
    /// Its path; nil when none was given and the packaged one does not exist.
    package var configPath: String?

    /// A PEM CA bundle for a wss:// gateway with a private CA.
    package var caFilePath: String?
    /// The wire protocol the gateway speaks.
    package var protocolMode = GatewayProtocolMode.openclaw
    /// The governed agents; nil: every agent.
    package var governedAgents: Set<String>?
    /// Where every input is recorded in the replay format, if anywhere.
    package var capturePath: String?
    /// When the store's ledger chain is checked while running; nil: no integrity monitor.
    package var storeCheck: StoreIntegrityMonitor.Schedule? = StoreIntegrityMonitor.Schedule()
    /// Whether what the store judged before the last stop is resumed (open cycles, the
    /// gateway's restart resync, the ledger tail's position).
    package var resumesJudgedActivity = true
    /// Whether the daemon stops after opening and checking the store (`run --dry-run`).
    package var isDryRun = false
    /// Whether violations the store cannot take at stop go to the spool directory.
    package var spoolsAtStop = true
    /// Whether the MO§ES files are watched and the ledger's readability judged; false when
    /// the caller plays ledger lines and state changes into the pipeline itself (the demo).
    package var readsMosesFiles = true

    /// The defaults, as with no configuration file.
    package init() {}

    /// The configuration file's settings.
    ///
    /// - Parameter path: where `loaded` was read from (kept for SIGHUP reloads).
    package init(loaded: CoordinatorConfig, path: String) {
        configPath = path
        self.loaded = loaded
        gatewayURL = loaded.gateway.url
        tokenFile = loaded.gateway.tokenFile
        identityPath = loaded.gateway.identityPath
        databasePath = loaded.store.path
        spoolDirectory = loaded.store.spoolDir
        ledgerPath = loaded.moses.ledgerPath
        statePath = loaded.moses.statePath
        policy = loaded.policy
        writer.batchSize = loaded.store.batchRows
        writer.batchIntervalMs = loaded.store.batchMs
        writer.queueCapacity = loaded.store.queueCapacity
        writer.overflowPolicy = AuditWriter.OverflowPolicy(rawValue: loaded.store.overflow.rawValue) ?? .block
        notifications = loaded.notifications
        metricsAddress = loaded.metrics.address
        appendsToLedger = loaded.moses.appendsToLedger
        retentionDays = loaded.store.retentionDays
        restartResyncWindowMs = loaded.gateway.restartResyncWindowMs
        restartResyncConversations = loaded.gateway.restartResyncConversations
    }

    /// Settings for a daemon inside a tool (`demo`, the bench): the store at `databasePath`
    /// and none of the service's extras (no store check, resume, spool or MO§ES files: the
    /// tool plays ledger lines and state changes into the pipeline itself).
    package static func forTool(databasePath: String) -> DaemonSettings {
        var settings = DaemonSettings()
        settings.databasePath = databasePath
        settings.storeCheck = nil
        (settings.resumesJudgedActivity, settings.spoolsAtStop, settings.readsMosesFiles) = (false, false, false)
        return settings
    }

    /// The command line's file and address options; each one given replaces the file's.
    package struct Overrides {
        package var gatewayURL: String?
        package var tokenFile: String?
        package var identityPath: String?
        package var databasePath: String?
        package var spoolDirectory: String?
        package var ledgerPath: String?
        package var statePath: String?

        package init(
            gatewayURL: String? = nil, tokenFile: String? = nil, identityPath: String? = nil, databasePath: String? = nil,
            spoolDirectory: String? = nil, ledgerPath: String? = nil, statePath: String? = nil
        ) {
            self.gatewayURL = gatewayURL
            self.tokenFile = tokenFile
            self.identityPath = identityPath
            self.databasePath = databasePath
            self.spoolDirectory = spoolDirectory
            self.ledgerPath = ledgerPath
            self.statePath = statePath
        }
    }

    /// Replaces each setting that `overrides` gives.
    package mutating func apply(_ overrides: Overrides) {
        if let value = overrides.gatewayURL { gatewayURL = value }
        if let value = overrides.tokenFile { tokenFile = value }
        if let value = overrides.identityPath { identityPath = value }
        if let value = overrides.databasePath { databasePath = value }
        if let value = overrides.spoolDirectory { spoolDirectory = value }
        if let value = overrides.ledgerPath { ledgerPath = value }
        if let value = overrides.statePath { statePath = value }
    }

    /// Where violations go when the store cannot take them at stop: the spool directory
    /// set, else `spool` in the store's directory; none on a dry run, which leaves the spool
    /// (and its reserved room) to the real start; none when `spoolsAtStop` is false.
    package var effectiveSpoolDirectory: String? {
        isDryRun || !spoolsAtStop ? nil : spoolDirectory ?? Self.spoolDirectory(besideStore: databasePath)
    }

    /// The default spool directory: `spool` in the store's directory.
    package static func spoolDirectory(besideStore databasePath: String) -> String {
        guard let slash = databasePath.lastIndex(of: "/") else { return "spool" }
        return String(databasePath[..<slash]) + "/spool"
    }
}
