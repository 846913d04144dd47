import Foundation
import Testing

/// `run` against `simulate`, two processes of the built binary over loopback.
@Suite(.serialized) struct RunCommandTests {
    /// A started child process whose output goes to files.
    final class Child {
        let process = Process()
        let stdoutURL: URL
        let stderrURL: URL

        init(_ arguments: [String], in directory: URL, name: String, environment: [String: String]? = nil) throws {
            stdoutURL = directory.appendingPathComponent("\(name).out")
            stderrURL = directory.appendingPathComponent("\(name).err")
            FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.executableURL = CoordinatorBinary.url
            process.arguments = arguments
            if let environment { process.environment = environment }
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            try process.run()
        }

        var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

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
        FileManager.default.createFile(atPath: tokenFile, contents: Data("\(token)\n".utf8))
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

    /// The sample capture as a simulator scenario: frames over the socket, ledger lines and
    /// state changes written to the files `run` watches, with small pauses after those.
    static func scenario(fromCapture capture: String) throws -> String {
        var lines = [#"{"waitForClients":1}"#, #"{"sleepMs":300}"#]
        for line in capture.split(separator: "\n") {
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let source = record["source"] as? String, let data = record["data"]
            else { continue }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: data), as: UTF8.self)
            switch source {
            case "gateway": lines.append(#"{"send":\#(body)}"#)
            case "ledger": lines += [#"{"ledger":\#(body)}"#, #"{"sleepMs":30}"#]
            case "state": lines += [#"{"state":\#(body)}"#, #"{"sleepMs":30}"#]
            default: continue
            }
            lines.append(#"{"sleepMs":2}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func daemonTailsLedgerAndStateAndFindsEveryRule() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl"), encoding: .utf8)
        let scenario = directory.appendingPathComponent("scenario.jsonl")
        try Self.scenario(fromCapture: capture).write(to: scenario, atomically: true, encoding: .utf8)
        let ledger = directory.appendingPathComponent("audit_ledger.jsonl").path
        let state = directory.appendingPathComponent("state.json").path
        FileManager.default.createFile(atPath: ledger, contents: Data())
        FileManager.default.createFile(atPath: state, contents: Data(#"{"mode":"high-integrity","posture":"defense","role":"primary"}"#.utf8))
        let tokenFile = directory.appendingPathComponent("token").path
        FileManager.default.createFile(atPath: tokenFile, contents: Data("tok\n".utf8))
        let simulator = try Child([
            "simulate", "--port", "0", "--token-file", tokenFile, "--scenario", scenario.path, "--ledger", ledger, "--state", state,
        ], in: directory, name: "simulate")
        defer { simulator.terminate() }
        #expect(await Self.waitUntil { simulator.stdout.contains("listening on") })
        let port = Int(simulator.stdout.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? 0
        let database = directory.appendingPathComponent("audit.db").path
        let run = try Child([
            "run", "--gateway", "ws://127.0.0.1:\(port)", "--token-file", tokenFile,
            "--identity", directory.appendingPathComponent("id.json").path, "--db", database, "--ledger", ledger, "--state", state,
        ], in: directory, name: "run")
        defer { run.terminate() }
        let expected = try String(contentsOf: CoordinatorBinary.captures.appendingPathComponent("every-violation.expected.jsonl"), encoding: .utf8)
        let expectedCount = expected.split(separator: "\n").count
        #expect(await Self.waitUntil(seconds: 30) {
            run.stderr.components(separatedBy: " violation=").count - 1 >= expectedCount
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
    }
}
