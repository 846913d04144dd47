#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Daemon
import Gateway
import GatewaySimulator
import Logging
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator simulate`: the embedded OpenClaw gateway simulator on its own.
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the embedded OpenClaw gateway simulator on a loopback port.",
            discussion: """
                A strict stand-in for an OpenClaw Gateway (challenge, signed device connect, \
                token, protocol range, hello-ok, ticks, sessions.* and chat.history) for trying \
                `run` without a real gateway. It listens on 127.0.0.1 only, prints \
                "listening on ws://127.0.0.1:<port>" on standard output, plays the scenario \
                (JSON lines: {"send": frame}, {"record": frame}, {"sleepMs": n}, \
                {"ledger": entry}, {"state": {...}}, {"waitForClients": n}, …) once a client is \
                ready, and serves until SIGINT or SIGTERM. A capture is a scenario too (what \
                `run --capture` writes and `replay` and `demo --scenario` read): its gateway \
                frames are sent, its ledger and state records written to --ledger and --state. \
                Samples/README.md has a two-terminal recipe.

                Exit status: 0 after a signal, 1 when it cannot listen or read the scenario, 66 (EX_NOINPUT) when the token file cannot be read.

                Example:
                  moses-coordinator simulate --port 18789 --token-file token --scenario scenario.jsonl
                  moses-coordinator simulate --scenario Samples/every-violation.jsonl --ledger ledger.jsonl --state state.json
                """
        )

        @Option(help: "The loopback port (0 picks a free one).")
        var port = 18789

        @Option(help: ArgumentHelp("A file holding the token clients must send (none: any token).", valueName: "file"), completion: .file())
        var tokenFile: String?

        @Option(help: ArgumentHelp("A scenario to play (JSON lines).", valueName: "file"), completion: .file())
        var scenario: String?

        @Option(help: "The protocol version the simulated gateway speaks.")
        var protocolVersion = 4

        @Option(help: "Milliseconds between ticks.")
        var tickIntervalMs = 15_000

        @Option(help: ArgumentHelp("Where {\"ledger\": …} steps append lines.", valueName: "path"), completion: .file())
        var ledger: String?

        @Option(help: ArgumentHelp("Where {\"state\": …} steps write the governance state.", valueName: "path"), completion: .file())
        var state: String?

        @Option(help: "Frames of a synthetic 1,000-conversation stream to send flat out once a client is ready (load and memory measurements; 0: none).")
        var syntheticEvents = 0

        @Option(help: "Milliseconds between the client becoming ready and the synthetic stream.")
        var syntheticAfterMs = 1_000

        @OptionGroup var logOptions: LogOptions

        func validate() throws {
            if syntheticEvents < 0 || syntheticAfterMs < 0 { throw ValidationError("--synthetic-events and --synthetic-after-ms must not be negative") }
        }

        func run() throws {
            var configuration = GatewaySimulatorConfiguration()
            configuration.port = port
            configuration.protocolVersion = protocolVersion
            configuration.tickIntervalMs = tickIntervalMs
            configuration.ledgerPath = ledger
            configuration.statePath = state
            if let tokenFile {
                configuration.token = try TokenFile.read(tokenFile, command: "simulate") ?? ""
            }
            var steps: [ScenarioStep] = []
            if let scenario {
                guard let bytes = try? DeviceIdentity.readFile(at: scenario) else {
                    throw ValidationError("Cannot read the scenario file '\(scenario)'.")
                }
                steps = [.waitForClients(1)] + (try Scenario(jsonLines: String(decoding: bytes, as: UTF8.self))).steps
            }
            let stopSignal = try SignalPipe(signals: [SIGINT, SIGTERM])
            logOptions.apply()
            let logger = Logger(label: "moses.simulate")
            let simulator = GatewaySimulator(configuration: configuration, logger: logger)
            let boundPort = try simulator.start()
            var output = LineWriter(descriptor: 1, capacity: 0)
            output.write("listening on ws://127.0.0.1:\(boundPort)")
            if !steps.isEmpty { simulator.play(steps) }
            if syntheticEvents > 0 {
                // Polled on this thread, so that a signal still stops the wait at once.
                while simulator.observations.readyClients < 1 || simulator.observations.requests["sessions.list"] == nil {
                    if stopSignal.wait(timeoutMs: 1) != SignalPipe.timedOut { simulator.stop(); return }
                }
                if stopSignal.wait(timeoutMs: Int32(clamping: syntheticAfterMs)) != SignalPipe.timedOut { simulator.stop(); return }
                simulator.blast(SyntheticConversationStream(conversations: 1000), count: syntheticEvents)
            }
            _ = stopSignal.wait()
            simulator.stop()
        }
    }
}
