import Foundation
import Testing
import TestSupport

/// `run` against `simulate`, two processes of the built binary over loopback.
@Suite(.serialized) struct RunCommandTests {
    /// A started child process whose output goes to files.
    final class Child {
        let process = Process()
        let stdoutURL: URL
        let stderrURL: URL

        init(
            _ arguments: [String], in directory: URL, name: String, environment: [String: String]? = nil,
            workingDirectory: URL? = nil
        ) throws {
            stdoutURL = directory.appendingPathComponent("\(name).out")
            stderrURL = directory.appendingPathComponent("\(name).err")
            _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.executableURL = CoordinatorBinary.url
            process.arguments = arguments
            process.environment = CoordinatorBinary.isolated(environment)
            if let workingDirectory { process.currentDirectoryURL = workingDirectory }
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            try process.run()
        }

        var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

        /// The port from the "serving metrics" log line; 0 before it is written.
        var metricsPort: Int {
            let line = stderr.split(separator: "\n").first { $0.contains("serving metrics") } ?? ""
            return Int(line.components(separatedBy: "metrics.port=").last?.prefix(while: \.isNumber) ?? "") ?? 0
        }

        func terminate() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    static func waitUntil(seconds: Double = 15, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    func startSimulator(in directory: URL, token: String) async throws -> (Child, Int) {
        let tokenFile = directory.appendingPathComponent("gateway-token").path
        _ = FileManager.default.createFile(atPath: tokenFile, contents: Data("\(token)\n".utf8))
        let simulator = try Child(["simulate", "--port", "0", "--token-file", tokenFile], in: directory, name: "simulate")
        #expect(await Self.waitUntil { simulator.stdout.contains("listening on") }, "simulate: \(simulator.stderr)")
        let port = Int(simulator.stdout.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? 0
        return (simulator, port)
    }

    @Test func wrongTokenExitsWithConfigError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (simulator, port) = try await startSimulator(in: directory, token: "right-token")
        defer { simulator.terminate() }
        let run = try Child([
            "run", "--gateway", "ws://127.0.0.1:\(port)", "--identity", directory.appendingPathComponent("id.json").path,
            "--db", directory.appendingPathComponent("audit.db").path,
        ], in: directory, name: "run", environment: ["OPENCLAW_GATEWAY_TOKEN": "wrong-token"])
        defer { run.terminate() }
        #expect(await Self.waitUntil { !run.process.isRunning })
        #expect(run.process.terminationStatus == 78)
        #expect(run.stderr.contains("AUTH_TOKEN_MISMATCH"))
        #expect(!run.stderr.contains("wrong-token"))
    }

    @Test func runConnectsAndStopsCleanlyOnSIGTERM() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (simulator, port) = try await startSimulator(in: directory, token: "right-token")
        defer { simulator.terminate() }
        let database = directory.appendingPathComponent("audit.db").path
        let run = try Child([
            "run", "--gateway", "ws://127.0.0.1:\(port)", "--identity", directory.appendingPathComponent("id.json").path,
            "--db", database,
        ], in: directory, name: "run", environment: ["OPENCLAW_GATEWAY_TOKEN": "right-token"])
        defer { run.terminate() }
        #expect(await Self.waitUntil { run.stderr.contains("gateway connection ready") }, "run: \(run.stderr)")
        run.process.terminate()  // SIGTERM
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
        let query = try CoordinatorBinary.run(["query", "--db", database, "--format", "csv", "SELECT action FROM ledger WHERE kind = 'daemon' ORDER BY seq"])
        #expect(query.status == 0, "query: \(query.stderr)")
        #expect(query.stdout.contains("start") && query.stdout.contains("stop"), "ledger: \(query.stdout)")
        #expect(!run.stderr.contains("right-token"))
    }

    @Test func daemonTailsLedgerAndStateAndFindsEveryRule() async throws {
        let gateway = try await SimulatedGateway.makePlayingSampleCapture()
        defer { gateway.remove() }
        let directory = gateway.directory, port = gateway.port, database = gateway.database
        let tokenFile = gateway.path("token"), ledger = gateway.path("audit_ledger.jsonl"), state = gateway.path("state.json")
        let run = try Child([
            "run", "--gateway", "ws://127.0.0.1:\(port)", "--token-file", tokenFile,
            "--identity", directory.appendingPathComponent("id.json").path, "--db", database, "--ledger", ledger, "--state", state,
        ], in: directory, name: "run")
        defer { run.terminate() }
        let expected = try String(contentsOf: CoordinatorBinary.captures.appendingPathComponent("every-violation.expected.jsonl"), encoding: .utf8)
        let expectedCount = expected.split(separator: "\n").count
        #expect(await Self.waitUntil(seconds: 30) {
            run.stderr.components(separatedBy: "governance violation:").count - 1 >= expectedCount
        }, "run: \(run.stderr)")
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0)
        let query = try CoordinatorBinary.run(["query", "--db", database, "--format", "csv", "SELECT rule FROM violations ORDER BY rule"])
        let stored = query.stdout.split(separator: "\n").dropFirst().map(String.init).sorted()
        let wanted = expected.split(separator: "\n").compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["rule"] as? String
        }.sorted()
        #expect(stored == wanted)
        // The files watcher's counters reach the stats view.
        let stats = try CoordinatorBinary.run(["query", "--db", database, "--format", "csv",
                                               "SELECT name FROM stats WHERE name LIKE 'moses_files_%' ORDER BY name"])
        #expect(stats.stdout.split(separator: "\n").dropFirst() == [
            "moses_files_ledger_lines_oversized_total", "moses_files_ledger_lines_rejected_total", "moses_files_state_rejected_total",
            "moses_files_wakeups_total",
        ], "stats: \(stats.stdout) \(stats.stderr)")
    }

    /// The service as the unit runs it: a configuration file, notifications through the
    /// outbox to an exec channel, /metrics, SIGHUP reloads (invalid kept out, valid applied),
    /// and a capture whose replay gives exactly the verdicts the live run stored.
    @Test func configuredServiceNotifiesServesMetricsReloadsAndCaptures() async throws {
        let gateway = try await SimulatedGateway.makePlayingSampleCapture()
        defer { gateway.remove() }
        let directory = gateway.directory, path = gateway.path
        // The exec channel: each violation's JSON on stdin, one line each in a file.
        try "#!/bin/sh\ncat >> '\(path("delivered.jsonl"))'\necho >> '\(path("delivered.jsonl"))'\n".write(toFile: path("notify.sh"), atomically: true, encoding: .utf8)
        chmod(path("notify.sh"), 0o755)
        func config(driftLimit: String) -> String {
            gateway.configuration(extra: """
                rules:
                  drift_repeat_limit: \(driftLimit)
                notifications:
                  exec_program: "\(path("notify.sh"))"
                  suppression_window_ms: 0
                """)
        }
        try config(driftLimit: "3").write(toFile: path("coordinator.yaml"), atomically: true, encoding: .utf8)
        let run = try Child(["run", "--config", path("coordinator.yaml"), "--capture", path("capture.jsonl")], in: directory, name: "run")
        defer { run.terminate() }
        #expect(await Self.waitUntil(seconds: 30) { run.stderr.components(separatedBy: "governance violation:").count - 1 >= 8 }, "run: \(run.stderr)")

        // Every violation reaches the exec channel once it is stored.
        func delivered() -> [String] {
            ((try? String(contentsOfFile: path("delivered.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        #expect(await Self.waitUntil(seconds: 20) { delivered().count >= 8 }, "delivered: \(delivered()) run: \(run.stderr)")
        #expect(Set(delivered().compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["rule"] as? String
        }) == ["sequence", "audit_before_response", "posture", "role", "mode", "drift", "ledger_integrity"])

        // /metrics answers with the engine's and the outbox's counters.
        let metricsPort = run.metricsPort
        let metrics = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
        #expect(metrics.hasPrefix("HTTP/1.1 200"), "metrics: \(metrics.prefix(300)) port: \(metricsPort)")
        #expect(metrics.contains("# TYPE moses_gateway_connected gauge"))
        #expect(metrics.contains("moses_gateway_connected 1"))
        for name in ["moses_store_batch_latency_seconds", "moses_store_queue_depth", "moses_outbox_pending",
                     "moses_engine_responses_total", "moses_files_ledger_lines_rejected_total", "moses_files_state_rejected_total"] {
            #expect(metrics.contains("\n\(name)"), "\(name) missing from /metrics")
        }

        // SIGHUP with an invalid file keeps the running configuration; a valid one applies.
        try config(driftLimit: "-1").write(toFile: path("coordinator.yaml"), atomically: true, encoding: .utf8)
        kill(run.process.processIdentifier, SIGHUP)
        #expect(await Self.waitUntil { run.stderr.contains("configuration reload rejected, previous configuration kept") }, "run: \(run.stderr)")
        try config(driftLimit: "5").write(toFile: path("coordinator.yaml"), atomically: true, encoding: .utf8)
        kill(run.process.processIdentifier, SIGHUP)
        #expect(await Self.waitUntil { run.stderr.contains("configuration reloaded; changed:") }, "run: \(run.stderr)")
        #expect(run.process.isRunning)

        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")

        // The capture replays to exactly the verdicts the live run stored.
        let stored = try CoordinatorBinary.run(["query", "--db", path("audit.db"), "--format", "csv",
                                                "SELECT ts, rule, agent_id, run_id FROM violations ORDER BY ts, rule"])
        let replayed = try CoordinatorBinary.run(["replay", path("capture.jsonl")])
        let replayedRows = replayed.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return "\(object["at"] ?? ""),\(object["rule"] ?? ""),\(object["agent_id"] ?? ""),\((object["run_id"] as? String) ?? "")"
        }.sorted()
        let storedRows = stored.stdout.split(separator: "\n").dropFirst().map(String.init).sorted()
        #expect(storedRows.count == 8)
        #expect(replayedRows == storedRows, "replay stderr: \(replayed.stderr)")
    }
}
