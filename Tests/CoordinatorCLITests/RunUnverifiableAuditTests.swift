import Foundation
import Testing
import TestSupport

/// `run` against `simulate` with a MO§ES ledger that does not exist yet: audits it cannot
/// judge are counted as unverifiable, not stored as violations, until the ledger appears.
@Suite struct RunUnverifiableAuditTests {
    typealias Child = RunCommandTests.Child

    /// A Primary run (lifecycle start, then its final answer) at `at`, with no ledger append.
    static func primaryAnswer(run: String, at: Int64, seq: Int) -> [String] {
        let session = "agent:primary:discord:group:77"
        return [
            #"{"send":{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":1,"stream":"lifecycle","ts":\#(at),"sessionKey":"\#(session)","data":{"phase":"start","startedAt":\#(at)}},"seq":\#(seq)}}"#,
            #"{"send":{"type":"event","event":"chat","payload":{"runId":"\#(run)","sessionKey":"\#(session)","agentId":"primary","seq":2,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"answer of \#(run)"}],"timestamp":\#(at + 100)}},"seq":\#(seq + 1)}}"#,
        ]
    }

    @Test func noLedgerMeansUnverifiableUntilTheLedgerAppears() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        // The ledger's first line: a valid genesis-linked append from the sample.
        let sample = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl"), encoding: .utf8)
        let ledgerLine = try #require(sample.split(separator: "\n").first { $0.hasPrefix(#"{"source":"ledger""#) })
        let record = try #require(try JSONSerialization.jsonObject(with: Data(ledgerLine.utf8)) as? [String: Any])
        let entry = String(decoding: try JSONSerialization.data(withJSONObject: try #require(record["data"])), as: UTF8.self)
        // Phase 1 (no ledger file): two unaudited answers, the first decided by the second's
        // frames. Then the simulator writes the ledger, and after time for the watcher to see
        // it, phase 2: an unaudited answer, and a later one that moves time past its grace.
        let steps = [#"{"waitForClients":1}"#, #"{"sleepMs":300}"#]
            + Self.primaryAnswer(run: "r1", at: now, seq: 1) + Self.primaryAnswer(run: "r2", at: now + 1_000, seq: 3)
            + [#"{"sleepMs":500}"#, #"{"ledger":\#(entry)}"#, #"{"sleepMs":3000}"#]
            + Self.primaryAnswer(run: "r3", at: now + 20_000, seq: 5) + Self.primaryAnswer(run: "r4", at: now + 21_000, seq: 7)
        let gateway = try await SimulatedGateway(scenario: steps.joined(separator: "\n") + "\n", ledgerFile: "late-ledger.jsonl")
        defer { gateway.remove() }
        let ledger = gateway.path("late-ledger.jsonl")
        try gateway.configuration(watchingMosesFiles: false, extra: """
            moses:
              ledger_path: "\(ledger)"
            audit:
              grace_ms: 200
            """).write(toFile: gateway.configurationPath, atomically: true, encoding: .utf8)
        // systemd's STATUS= lines, through a notify socket of the test's own.
        let notify = try NotifySocket(path: gateway.path("notify.sock"))
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        let run = try Child(
            ["run", "--config", gateway.configurationPath, "--capture", gateway.path("capture.jsonl")],
            in: gateway.directory, name: "run", environment: environment)
        defer { run.terminate() }
        var statusLines: [String] = []
        func readStatusLines() {
            while let datagram = notify.receive(timeoutMs: 0) {
                statusLines += datagram.split(separator: "\n").filter { $0.hasPrefix("STATUS=") }.map(String.init)
            }
        }

        #expect(await RunCommandTests.waitUntil { run.stderr.contains("MO§ES ledger not readable") && run.stderr.contains(ledger) }, "run: \(run.stderr)")
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("serving metrics") }, "run: \(run.stderr)")
        let metricsPort = run.metricsPort
        func unverifiable() -> Int {
            let metrics = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("moses_engine_audits_unverifiable_total ") } ?? ""
            return Int(line.split(separator: " ").last ?? "") ?? 0
        }
        #expect(await RunCommandTests.waitUntil { unverifiable() >= 1 }, "run: \(run.stderr)")

        #expect(await RunCommandTests.waitUntil { run.stderr.contains("MO§ES ledger readable") }, "run: \(run.stderr)")
        // STATUS= says so while the ledger cannot be read, and is shown again without it once
        // it can, although the gateway's own status has not changed.
        #expect(await RunCommandTests.waitUntil {
            readStatusLines()
            guard let unreadable = statusLines.lastIndex(where: { $0.contains("MO§ES ledger not readable") }) else { return false }
            return statusLines[unreadable...].contains { $0.contains("connected to the gateway") && !$0.contains("not readable") }
        }, "STATUS= lines: \(statusLines)")

        // r3's answer, after the ledger appeared, is judged: flagged once r4 moves time past its grace.
        #expect(await RunCommandTests.waitUntil(seconds: 30) { run.stderr.contains("rule.id=audit_before_response") }, "run: \(run.stderr)")
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
        let query = try CoordinatorBinary.run(["query", "--db", gateway.database, "--format", "csv",
                                               "SELECT run_id FROM violations WHERE rule = 'audit_before_response' ORDER BY run_id"])
        #expect(query.stdout.split(separator: "\n").dropFirst() == ["r3", "r4"], "violations: \(query.stdout) \(query.stderr)")
        let drift = try CoordinatorBinary.run(["query", "--db", gateway.database, "--format", "csv",
                                               "SELECT count(*) FROM violations WHERE rule = 'drift' AND actual LIKE '%audit_before_response%'"])
        #expect(drift.stdout.split(separator: "\n").dropFirst() == ["0"], "drift: \(drift.stdout)")
        let stats = try CoordinatorBinary.run(["query", "--db", gateway.database, "--format", "csv",
                                               "SELECT value FROM stats WHERE name = 'moses_engine_audits_unverifiable_total'"])
        #expect(stats.stdout.split(separator: "\n").dropFirst() == ["2"], "stats: \(stats.stdout) \(stats.stderr)")

        // The capture recorded when the ledger could not be read: its replay judges alike.
        let replay = try CoordinatorBinary.run(["replay", "--config", gateway.configurationPath, gateway.path("capture.jsonl")])
        let replayedRuns = replay.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["rule"] as? String == "audit_before_response" else { return nil }
            return object["run_id"] as? String
        }
        #expect(replayedRuns.sorted() == ["r3", "r4"], "replay: \(replay.stdout) \(replay.stderr)")
    }
}
