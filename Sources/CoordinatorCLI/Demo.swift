#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Daemon
import Gateway
import GatewaySimulator
import Governance
import Logging
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator demo`: the whole path on one machine, with nothing installed.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the coordinator against an embedded gateway simulator playing a rule-breaking conversation.",
            discussion: """
                Starts the OpenClaw gateway simulator on a free loopback port, connects the \
                coordinator to it over WebSocket (challenge, signed device connect, \
                subscriptions), and plays a three-agent incident conversation that breaks every \
                MO§ES rule once: its gateway frames go over the socket, its ledger lines and \
                state changes go to the engine as the ledger tail and state watch would. Each \
                violation is printed once it is stored in a temporary audit store; a summary \
                and the query command to explore the result follow.

                Exit status: 0 when the scenario played to the end, 1 otherwise.

                Example:
                  moses-coordinator demo
                  moses-coordinator demo --format json --db /tmp/demo.db
                """
        )

        @Option(help: ArgumentHelp("Keep the audit store at this path instead of a temporary directory.", valueName: "path"), completion: .file())
        var db: String?

        @Option(help: ArgumentHelp("Play this capture (JSON lines) instead of the built-in scenario.", valueName: "file"), completion: .file())
        var scenario: String?

        @Option(help: "How to print violations: \(Replay.Format.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: Replay.Format = .text

        @OptionGroup var logOptions: LogOptions

        func run() throws {
            let lines: [Substring]
            if let scenario {
                guard let bytes = try? DeviceIdentity.readFile(at: scenario) else {
                    throw ValidationError("Cannot read the scenario file '\(scenario)'.")
                }
                let text = String(decoding: bytes, as: UTF8.self)
                lines = text.split(separator: "\n")
            } else {
                lines = String(decoding: PackageResources.every_violation_jsonl, as: UTF8.self).split(separator: "\n")
            }
            let databasePath = db ?? (Self.makeTemporaryDirectory() + "/audit.db")
            // The demo's own output is its violations: the log only speaks up when asked or in trouble.
            logOptions.apply(fallback: .warning)
            let logger = Logger(label: "moses.demo")
            let format = self.format
            var simulatorConfiguration = GatewaySimulatorConfiguration()
            let token = Base64URL.encode((0..<24).map { _ in UInt8.random(in: 0...255) })
            simulatorConfiguration.token = token
            simulatorConfiguration.tickIntervalMs = 600_000
            let simulator = GatewaySimulator(configuration: simulatorConfiguration, logger: logger)
            let port = try simulator.start()
            defer { simulator.stop() }

            // The daemon as `run` builds it, on a store of its own, without systemd or the
            // journal's violation lines.
            var settings = DaemonSettings.forTool(databasePath: databasePath)
            settings.gatewayURL = "ws://127.0.0.1:\(port)"
            var builder = DaemonBuilder(
                settings: settings, token: token, identity: DeviceIdentity.generate(), version: CoordinatorVersion.current, logger: logger)
            builder.logsViolations = false
            // Violations are printed only after the writer has committed them.
            builder.onDurableViolations = { violations in
                var output = LineWriter(descriptor: 1, capacity: 0)
                for violation in violations {
                    output.write(format == .json ? violation.jsonLine : violation.textLine)
                }
            }
            let daemon = try builder.make()
            let pipeline = daemon.pipeline
            guard let client = daemon.parts.client else { preconditionFailure("the demo's daemon connects to the simulator") }
            try daemon.start()
            let isConnected = pipeline.progress.wait(seconds: 10) {
                if case .ready = client.currentStatus { return simulator.observations.requests["sessions.list"] != nil }
                return false
            }
            guard isConnected else {
                StandardError.write("demo: the coordinator could not connect to the simulator: \(client.currentStatus)")
                daemon.stop()
                throw ExitCode.failure
            }
            StandardError.write("demo: gateway simulator on ws://127.0.0.1:\(port); coordinator connected with a signed device identity (operator.read)")
            StandardError.write("demo: audit store \(databasePath)")

            var expected = 0
            var skipped = 0
            for line in lines {
                guard let record = OpaqueJSON.decode(Array(line.utf8)) else {
                    skipped += 1
                    continue
                }
                let source = record["source"]?.stringValue
                if source == nil || source == "gateway" {
                    let frame = source == nil ? record : (record["data"] ?? .null)
                    pipeline.setReceiveTime(record["at"]?.integerValue)
                    expected += 1
                    simulator.play([.send(frame)])
                    // One frame at a time, so ledger lines and state changes interleave with
                    // the frames in capture order.
                    let arrived = pipeline.progress.wait(seconds: 5) {
                        let counters = client.counters.snapshot
                        return pipeline.counts.delivered + counters.duplicates + counters.malformed >= expected
                    }
                    if !arrived {
                        StandardError.write("demo: a frame did not arrive in 5 s; going on")
                        expected = pipeline.counts.delivered + client.counters.snapshot.duplicates + client.counters.snapshot.malformed
                    }
                } else {
                    var reader = CaptureReader(bytes: Array(line.utf8))
                    if case let .event(event)? = try? reader.next() {
                        pipeline.inject(event)
                    } else {
                        skipped += 1
                    }
                }
            }
            guard daemon.stop() == .stopped else { throw ExitCode.failure }

            let engine = pipeline.engineCounters
            let gateway = client.counters.snapshot
            var summary = [
                "demo: \(gateway.framesIn) frames over the socket (\(gateway.bytesIn) bytes), \(engine.events) events judged, \(engine.responses) responses, \(engine.toolCalls) tool calls; \(skipped) scenario lines skipped",
                "demo: client: \(gateway.duplicates) duplicates dropped, \(gateway.gaps) seq gaps, \(gateway.resyncs) history resyncs (\(gateway.resyncMessages) rows replayed, \(gateway.resyncDuplicates) already seen), \(gateway.malformed) malformed",
                "demo: \(engine.violations) violations stored and printed",
            ]
            for rule in RuleID.allCases where engine.violations(of: rule) > 0 {
                summary.append("  \(rule.rawValue): \(engine.violations(of: rule))")
            }
            // This binary by its full path: after scripts/demo it is not on PATH.
            summary.append("explore them: \(Self.shellQuoted(Self.executablePath)) query --db \(Self.shellQuoted(databasePath)) \"SELECT rule, violations FROM violations_by_rule\"")
            StandardError.write(summary.joined(separator: "\n"))
        }

        /// The absolute path of the running binary (its name as invoked if that cannot be read).
        static var executablePath: String {
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
            let length = buffer.withUnsafeMutableBytes { readlink("/proc/self/exe", $0.baseAddress!, $0.count) }
            guard length > 0 else { return CommandLine.arguments[0] }
            return String(decoding: buffer[..<length], as: UTF8.self)
        }

        /// `text` as one POSIX shell word.
        static func shellQuoted(_ text: String) -> String {
            let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "/._-+:=@,".unicodeScalars.contains($0)
            }
            return plain ? text : "'" + String(text.flatMap { $0 == "'" ? Array("'\\''") : [$0] }) + "'"
        }

        static func makeTemporaryDirectory() -> String {
            var template = Array("/tmp/moses-demo-XXXXXX".utf8CString)
            guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                return "/tmp"
            }
            return String(cString: path)
        }
    }
}
