#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AuditStore
import Daemon
import Gateway
import Logging
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

        @OptionGroup var logOptions: LogOptions

        func validate() throws {
            if let gateway, !gateway.hasPrefix("ws://") && !gateway.hasPrefix("wss://") {
                throw ValidationError("--gateway must be a ws:// or wss:// URL.")
            }
            guard storeCheckInterval.isFinite, storeCheckInterval >= 0.1, storeCheckInterval <= 86_400 else {
                throw ValidationError("--store-check-interval \(storeCheckInterval): give seconds between 0.1 and 86400.")
            }
        }

        /// The settings in force: the configuration file's, overridden by options.
        func settings() throws -> DaemonSettings {
            var settings = DaemonSettings()
            // As `check-config` and the service: the packaged configuration when it exists.
            if let config = config ?? ConfigOptions.defaultPathIfPresent {
                settings = DaemonSettings(loaded: try ConfigFile.load(config, command: "run"), path: config)
            }
            settings.apply(DaemonSettings.Overrides(
                gatewayURL: gateway, tokenFile: tokenFile, identityPath: identity, databasePath: db,
                spoolDirectory: spoolDir, ledgerPath: ledger, statePath: state))
            settings.caFilePath = caFile
            settings.protocolMode = protocolMode
            settings.governedAgents = agents.isEmpty ? nil : Set(agents)
            settings.capturePath = capture
            settings.storeCheck = storeCheckSchedule
            settings.isDryRun = dryRun
            return settings
        }

        func run() throws {
            let logger = Logger(label: "moses.run")
            let settings = try settings()
            logOptions.apply(configured: settings.loaded?.logLevel)
            let token = try readToken(from: settings.tokenFile)
            StartupLog.log(
                configurationFile: settings.configPath, defaultConfigurationFile: ConfigOptions.defaultPath,
                settings: settings, hasToken: token != nil, to: logger)
            let (identity, isNew) = try DeviceIdentity.loadOrCreate(at: settings.identityPath)
            if isNew {
                logger.notice("created a device identity; a remote gateway will ask to approve it", metadata: ["device.id": "\(identity.id)"])
            }
            // Signals are routed to a pipe before any thread starts, so no thread dies of them.
            let signals = try SignalPipe(signals: [SIGINT, SIGTERM, SIGHUP])
            let builder = DaemonBuilder(
                settings: settings, token: token, identity: identity, version: CoordinatorVersion.current, logger: logger,
                systemd: .fromProcessEnvironment())
            if dryRun {
                if let check = try builder.checkStore(), check.isCorrupt { throw StoreCorruptionError(path: settings.databasePath, report: check) }
                print("run: store \(settings.databasePath), identity \(identity.id), token \(token == nil ? "absent" : "present"), gateway \(RedactedURL(settings.gatewayURL)): ok")
                return
            }
            let exit = try builder.make().run(until: signals)
            if exit != .stopped { throw ExitCode(exit.rawValue) }
        }

        /// When the store is checked while running.
        var storeCheckSchedule: StoreIntegrityMonitor.Schedule {
            var schedule = StoreIntegrityMonitor.Schedule()
            schedule.intervalNanoseconds = UInt64(storeCheckInterval * 1e9)
            return schedule
        }

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
