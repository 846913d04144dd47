#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AuditStore
import Gateway
import Governance
import Logging
import Synchronization
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
                gateway shutdown. The token comes from --token-file or OPENCLAW_GATEWAY_TOKEN, \
                never from the command line. SIGTERM or SIGINT stops reading, flushes the \
                store and exits 0.

                Files: the device identity (created 0600 on first run) and the device token \
                the gateway may issue, next to it.

                Exit status: 0 after a signal, 1 when the store or identity cannot be opened, \
                78 (EX_CONFIG) when the gateway refuses the credentials for good (a bad token \
                or device): retrying would only hammer it.

                Example:
                  OPENCLAW_GATEWAY_TOKEN=… moses-coordinator run --gateway ws://127.0.0.1:18789 --db /var/lib/moses-coordinator/audit.db
                """
        )

        @Option(help: ArgumentHelp("The gateway's WebSocket URL (ws:// or wss://).", valueName: "url"))
        var gateway = "ws://127.0.0.1:18789"

        @Option(help: ArgumentHelp("A file holding the gateway token (else OPENCLAW_GATEWAY_TOKEN).", valueName: "file"))
        var tokenFile: String?

        @Option(help: ArgumentHelp("The device identity key file (created 0600 on first run).", valueName: "path"))
        var identity = "/var/lib/moses-coordinator/identity.json"

        @Option(help: ArgumentHelp("A PEM CA bundle for a wss:// gateway with a private CA.", valueName: "file"))
        var caFile: String?

        @Option(name: .customLong("protocol"), help: "Wire protocol: \(GatewayProtocolMode.allCases.map(\.rawValue).joined(separator: ", ")).")
        var protocolMode: GatewayProtocolMode = .openclaw

        @Option(name: .customLong("agent"), help: ArgumentHelp("A governed agent id; repeat for several (default: every agent).", valueName: "id"))
        var agents: [String] = []

        @OptionGroup var store: StoreOptions

        @Flag(help: "Open the store and identity, read the token, then exit without connecting.")
        var dryRun = false

        func validate() throws {
            if !gateway.hasPrefix("ws://") && !gateway.hasPrefix("wss://") {
                throw ValidationError("--gateway must be a ws:// or wss:// URL.")
            }
        }

        func run() throws {
            let logger = Logger(label: "moses.run")
            let token = try readToken()
            let (deviceIdentity, isNew) = try DeviceIdentity.loadOrCreate(at: identity)
            if isNew {
                logger.notice("created a device identity; a remote gateway will ask to approve it", metadata: ["device.id": "\(deviceIdentity.id)"])
            }
            // Signals are routed to a pipe before any thread starts, so no thread dies of them.
            let stopSignal = try SignalPipe(signals: [SIGINT, SIGTERM])
            let writer = try AuditWriter(path: store.db, logger: logger) { batch in
                for violation in batch.violations {
                    logger.warning("violation", metadata: ["rule.id": "\(violation.rule.rawValue)", "violation": "\(violation.textLine)"])
                }
            }
            if dryRun {
                try writer.close()
                print("run: store \(store.db), identity \(deviceIdentity.id), token \(token == nil ? "absent" : "present"): ok")
                return
            }
            let pipeline = GatewayPipeline(
                engine: GovernanceEngine(policy: Policy(), state: .default), writer: writer, logger: logger,
                onStatus: { status in
                    if case .stopped(let reason?) = status, case .authenticationRejected = reason { SignalPipe.notify(Self.haltByte) }
                }
            )
            var configuration = GatewayClientConfiguration()
            configuration.url = gateway
            configuration.token = token
            configuration.caFilePath = caFile
            configuration.protocolMode = protocolMode
            configuration.deviceTokenPath = identity + ".device-token"
            configuration.version = CoordinatorVersion.current
            configuration.governedAgents = agents.isEmpty ? nil : Set(agents)
            let client = try GatewayClient(configuration: configuration, identity: deviceIdentity, sink: pipeline, logger: logger)
            logger.notice("moses-coordinator starting", metadata: ["gateway.url": "\(gateway)", "store.path": "\(store.db)"])
            pipeline.recordDaemonEvent(.start, detail: "moses-coordinator \(CoordinatorVersion.current) watching \(gateway)")
            client.start()
            let signal = stopSignal.wait()
            let isHalted = signal == Int32(Self.haltByte)
            logger.notice("stopping", metadata: ["signal": "\(isHalted ? "gateway refused credentials" : "\(signal)")"])
            client.stop()
            pipeline.recordDaemonEvent(.stop, detail: isHalted ? "gateway refused the credentials" : "signal \(signal)")
            try pipeline.finish()
            try writer.close()
            if isHalted { throw ExitCode(78) }
            let counters = client.counters.snapshot
            logger.notice("moses-coordinator stopped", metadata: [
                "gateway.frames": "\(counters.framesIn)", "engine.violations": "\(pipeline.engineCounters.violations)",
            ])
        }

        /// Written to the signal pipe when the client halts on a fatal rejection.
        static let haltByte: UInt8 = 255

        /// The token from `--token-file`, else `OPENCLAW_GATEWAY_TOKEN`; never from argv.
        func readToken() throws -> String? {
            if let tokenFile {
                guard let bytes = try? DeviceIdentity.readFile(at: tokenFile) else {
                    throw ValidationError("Cannot read the token file '\(tokenFile)'.")
                }
                let text = String(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace })
                return text.isEmpty ? nil : text
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
struct SignalPipe {
    private let readEnd: Int32

    init(signals: [Int32]) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw ExitCode.failure }
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
        var value = byte
        _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &value, 1)
    }

    /// Blocks until a signal (or `notify`) arrives; returns its number (or byte).
    func wait() -> Int32 {
        var byte: UInt8 = 0
        while true {
            let count = read(readEnd, &byte, 1)
            if count == 1 { return Int32(byte) }
            if count < 0 && errno == EINTR { continue }
            return 0
        }
    }
}

/// The pipe's write end for the handler (an atomic: readable from a signal handler).
let signalPipeWriteEnd = Atomic<Int32>(-1)

/// The signal handler: a plain global function writing the signal number to the pipe.
func signalPipeHandler(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &byte, 1)
}
