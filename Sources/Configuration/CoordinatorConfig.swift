import Governance

/// The operator's configuration of one coordinator: where to connect, what to read, how
/// to judge (the `Policy`), where to store, whom to notify and where to publish metrics.
///
/// A value type: the loader builds it, `ConfigHolder` hands out snapshots of it, and any
/// thread may read a snapshot. Defaults live in one place: the engine's in `Policy()`, the
/// rest in `CoordinatorConfig.defaults(home:)`.
package struct CoordinatorConfig: Sendable, Equatable {
    /// The OpenClaw Gateway connection.
    package var gateway: GatewaySettings
    /// The MO§ES files the coordinator reads (and optionally appends to).
    package var moses: MosesSettings
    /// What the engine judges against: roles, sequence, thresholds, word lists, patterns.
    package var policy: Policy
    /// The SQLite audit store and its batched writer.
    package var store: StoreSettings
    /// Where violations are delivered after they are stored.
    package var notifications: NotificationSettings
    /// The Prometheus text endpoint.
    package var metrics: MetricsSettings
    /// The lowest level of log line written (`--log-level` overrides it).
    package var logLevel: LogLevel

    package init(
        gateway: GatewaySettings, moses: MosesSettings, policy: Policy = Policy(),
        store: StoreSettings = StoreSettings(), notifications: NotificationSettings = NotificationSettings(),
        metrics: MetricsSettings = MetricsSettings(), logLevel: LogLevel = .info
    ) {
        self.gateway = gateway
        self.moses = moses
        self.policy = policy
        self.store = store
        self.notifications = notifications
        self.metrics = metrics
        self.logLevel = logLevel
    }

    /// The configuration used for every key a file leaves out.
    ///
    /// - Parameter home: the home directory that `~` in the MO§ES default paths stands for.
    package static func defaults(home: String) -> CoordinatorConfig {
        CoordinatorConfig(
            gateway: GatewaySettings(),
            moses: MosesSettings(
                ledgerPath: expandingTilde(MosesSettings.defaultLedgerPath, home: home),
                statePath: expandingTilde(MosesSettings.defaultStatePath, home: home)
            )
        )
    }

    /// `path` with a leading `~/` (or a lone `~`) replaced by `home`.
    package static func expandingTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        guard path.hasPrefix("~/") else { return path }
        let trimmedHome = home.hasSuffix("/") ? String(home.dropLast()) : home
        return trimmedHome + path.dropFirst()
    }
}

/// How to reach and authenticate to the OpenClaw Gateway.
package struct GatewaySettings: Sendable, Equatable {
    /// The gateway's WebSocket URL (`ws://` or `wss://`).
    package var url: String = "ws://127.0.0.1:18789"
    /// A file holding the shared gateway token (or a device token), or nil for none. The
    /// token itself never appears in the configuration file.
    package var tokenFile: String?
    /// The Ed25519 device identity (created on first start, kept 0600).
    package var identityPath: String = "/var/lib/moses-coordinator/identity.json"
    /// At start, conversations judged within this long (event time) before the last judged
    /// event have their `chat.history` re-read, so the downtime is judged.
    package var restartResyncWindowMs: Int64 = 86_400_000
    /// At most this many of those conversations, the latest; 0 re-reads none.
    package var restartResyncConversations: Int = 1_000

    package init(url: String = "ws://127.0.0.1:18789", tokenFile: String? = nil,
                 identityPath: String = "/var/lib/moses-coordinator/identity.json",
                 restartResyncWindowMs: Int64 = 86_400_000, restartResyncConversations: Int = 1_000) {
        self.url = url
        self.tokenFile = tokenFile
        self.identityPath = identityPath
        self.restartResyncWindowMs = restartResyncWindowMs
        self.restartResyncConversations = restartResyncConversations
    }
}

/// The MO§ES skill family's files.
package struct MosesSettings: Sendable, Equatable {
    /// The MO§ES default ledger path, relative to the home of the user running OpenClaw.
    package static let defaultLedgerPath = "~/.openclaw/audits/moses/audit_ledger.jsonl"
    /// The MO§ES default governance state path.
    package static let defaultStatePath = "~/.openclaw/governance/state.json"

    /// The hash-chained `audit_ledger.jsonl` that agents append to.
    package var ledgerPath: String
    /// The governance `state.json` (mode, posture, global role).
    package var statePath: String
    /// Whether the coordinator appends its own violations to the MO§ES ledger (hash-chained,
    /// under an exclusive lock), for compatibility with the family's `/audit verify`.
    package var appendsToLedger: Bool

    package init(ledgerPath: String, statePath: String, appendsToLedger: Bool = false) {
        self.ledgerPath = ledgerPath
        self.statePath = statePath
        self.appendsToLedger = appendsToLedger
    }
}

/// What the store writer does when its queue is full.
package enum OverflowPolicy: String, Sendable, CaseIterable {
    /// The producer waits for room: nothing is dropped, the gateway reader may stall.
    case block
    /// The newest observation is dropped and counted; violations are never dropped.
    case drop
}

/// The SQLite audit store and its batched writer.
package struct StoreSettings: Sendable, Equatable {
    /// The database file (WAL mode; `-wal` and `-shm` files beside it).
    package var path: String = "/var/lib/moses-coordinator/audit.db"
    /// Most rows committed in one transaction.
    package var batchRows: Int = 8_192
    /// Longest a row waits in the writer before its batch is committed (ms).
    package var batchMs: Int = 20
    /// Rows the writer's queue holds before the overflow policy applies.
    package var queueCapacity: Int = 65_536
    /// What happens when the queue is full.
    package var overflow: OverflowPolicy = .block
    /// Where violations go when the store cannot take them at stop (full disk, corrupt
    /// store); taken in at the next start. nil: `spool` beside the database file.
    package var spoolDir: String?
    /// Days after which stored events are pruned; violations are kept. 0 keeps everything.
    package var retentionDays: Int = 0

    package init() {}
}

/// Where violations go once stored.
package struct NotificationSettings: Sendable, Equatable {
    /// An `http://` or `https://` URL that receives each violation as a JSON POST, or nil.
    package var webhookURL: String?
    /// An absolute path of a program run once per violation with the violation as JSON on
    /// its standard input, or nil.
    package var execProgram: String?
    /// Per (rule, conversation): after one notification, further ones are suppressed for
    /// this long and summarized as "suppressed N since T" (ms). 0 turns suppression off.
    package var suppressionWindowMs: Int64 = 60_000

    package init(webhookURL: String? = nil, execProgram: String? = nil, suppressionWindowMs: Int64 = 60_000) {
        self.webhookURL = webhookURL
        self.execProgram = execProgram
        self.suppressionWindowMs = suppressionWindowMs
    }
}

/// The optional Prometheus endpoint.
package struct MetricsSettings: Sendable, Equatable {
    /// `host:port` to serve `/metrics` on (a loopback address), or nil for no endpoint.
    package var address: String?

    package init(address: String? = nil) {
        self.address = address
    }
}
