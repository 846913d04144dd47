import Foundation
import Testing
import TestSupport

/// `run` stopped in the middle of a conversation and started again: what the gateway's
/// agents said while it was down is re-read from `chat.history` and judged once, and
/// nothing judged before the stop is judged again. Two processes of the built binary
/// (`simulate` and `run`) over loopback, one store file.
@Suite(.serialized) struct RestartResyncCommandTests {
    typealias Child = RunCommandTests.Child

    static let conversation = "discord:group:77"
    static let base: Int64 = 1_767_225_600_000

    static func chatFinal(_ agent: String, run: String, at offset: Int64, _ text: String) -> String {
        #"{"send":{"type":"event","event":"chat","payload":{"runId":"\#(run)","sessionKey":"agent:\#(agent):\#(conversation)","seq":3,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"\#(text)"}],"timestamp":\#(base + offset)}}}}"#
    }

    /// The run's MO§ES audit append, as the agent's exec of `audit_stub.py log`.
    static func auditExec(_ agent: String, run: String, at offset: Int64) -> String {
        #"{"send":{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":2,"stream":"tool","ts":\#(base + offset),"sessionKey":"agent:\#(agent):\#(conversation)","data":{"phase":"start","name":"exec","toolCallId":"\#(run)-audit","args":{"command":"python3 audit_stub.py log --agent \#(agent) --action respond"}}}}}"#
    }

    /// Primary answers (audited) while `run` is up; then, with no client, Secondary and
    /// Observer answer in order and Secondary answers again out of turn (none audited);
    /// the state step only tells the test that those are on record. After `run` is back,
    /// Primary opens the next cycle live (audited).
    static func scenario() -> String {
        [
            #"{"sleepMs":300}"#,
            auditExec("primary", run: "run-p1", at: 900),
            chatFinal("primary", run: "run-p1", at: 1_000, "We ship the fix on Friday after review."),
            #"{"waitForNoClients":true}"#,
            chatFinal("secondary", run: "run-s1", at: 2_000, "Friday works; regression tests come first."),
            chatFinal("observer", run: "run-o1", at: 3_000, "Noted: a plan and tests are in place."),
            chatFinal("secondary", run: "run-s2", at: 4_000, "One more thought about the rollout."),
            #"{"state":{"mode":"high-integrity","posture":"defense","role":"primary"}}"#,
            #"{"waitForClients":1}"#,
            #"{"sleepMs":1500}"#,
            auditExec("primary", run: "run-p2", at: 4_900),
            chatFinal("primary", run: "run-p2", at: 5_000, "Next cycle: we deploy on Monday."),
        ].joined(separator: "\n") + "\n"
    }

    static func query(_ database: String, _ sql: String) throws -> [String] {
        let result = try CoordinatorBinary.run(["query", "--db", database, "--format", "csv", sql])
        return result.stdout.split(separator: "\n").dropFirst().map(String.init)
    }

    @Test func downtimeIsJudgedOnceAndNothingBeforeTheStopAgain() async throws {
        let setup = try await Self.startGateway(playing: Self.scenario())
        defer { setup.remove() }
        let path = setup.path, database = setup.database, directory = setup.directory

        // Before the stop: Primary's answer is judged (audited: no violation).
        let first = try Child(["run", "--config", path("coordinator.yaml")], in: directory, name: "run1")
        defer { first.terminate() }
        #expect(await RunCommandTests.waitUntil(seconds: 20) {
            (try? Self.query(database, "SELECT count(*) FROM responses")) == ["1"]
        }, "run1: \(first.stderr)")
        first.process.terminate()
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0, "run1: \(first.stderr)")
        #expect(try Self.query(database, "SELECT count(*) FROM violations") == ["0"])

        // While it is down, the agents go on.
        #expect(await RunCommandTests.waitUntil { FileManager.default.fileExists(atPath: path("downtime-recorded.json")) })

        let second = try Child(["run", "--config", path("coordinator.yaml")], in: directory, name: "run2")
        defer { second.terminate() }
        #expect(await RunCommandTests.waitUntil(seconds: 20) {
            (try? Self.query(database, "SELECT count(*) FROM responses")) == ["5"]
        }, "run2: \(second.stderr)")
        let metricsPort = second.metricsPort
        let metrics = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
        // Primary's (from the store), Secondary's and Observer's (the gateway lists them in
        // the active conversation); Primary's pre-stop answer left out.
        #expect(metrics.contains("\nmoses_gateway_restart_resyncs_total 3"), "\(metrics)")
        #expect(metrics.contains("\nmoses_gateway_restart_judged_rows_total 1"), "\(metrics)")
        #expect(metrics.contains("\nmoses_gateway_resync_messages_total 3"), "\(metrics)")
        second.process.terminate()
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "run2: \(second.stderr)")

        // Each response once; the downtime's unaudited answers and the out-of-turn one judged
        // once; Secondary's in-turn answer after the stopped Primary not flagged; Primary's
        // answer from before the stop not judged again (it would now lack its audit).
        #expect(try Self.query(database, "SELECT agent_id, run_id FROM responses ORDER BY ts") == [
            "primary,run-p1", "secondary,run-s1", "observer,run-o1", "secondary,run-s2", "primary,run-p2",
        ])
        #expect(try Self.query(database, "SELECT rule, agent_id, run_id, expected FROM violations ORDER BY ts, rule") == [
            "audit_before_response,secondary,run-s1,ledger append by secondary before the response",
            "audit_before_response,observer,run-o1,ledger append by observer before the response",
            "audit_before_response,secondary,run-s2,ledger append by secondary before the response",
            "sequence,secondary,run-s2,primary",
        ])
        let verify = try CoordinatorBinary.run(["verify", "--db", database])
        #expect(verify.status == 0, "verify: \(verify.stdout) \(verify.stderr)")
    }

    /// The first two MO§ES ledger lines of the sample capture (Primary's at base + 1.2 s,
    /// then Secondary's at base + 3.2 s, chained), as simulator steps.
    static func sampleLedgerSteps() throws -> [String] {
        let capture = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl"), encoding: .utf8)
        return try capture.split(separator: "\n").compactMap { line in
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  record["source"] as? String == "ledger", let data = record["data"] else { return nil }
            return #"{"ledger":\#(String(decoding: try JSONSerialization.data(withJSONObject: data), as: UTF8.self))}"#
        }.prefix(2).map { $0 }
    }

    /// Secondary appends to the MO§ES ledger and answers while `run` is down: after the
    /// restart the ledger tail resumes after the last line the store saw, so the append is
    /// read and the answer is not flagged as unaudited.
    @Test func ledgerAppendsMadeDuringTheDowntimeAreRead() async throws {
        let ledger = try Self.sampleLedgerSteps()
        try #require(ledger.count == 2)
        let scenario = [
            #"{"sleepMs":300}"#,
            ledger[0],
            #"{"sleepMs":300}"#,
            Self.chatFinal("primary", run: "run-p1", at: 1_300, "We ship the fix on Friday after review."),
            #"{"waitForNoClients":true}"#,
            ledger[1],
            Self.chatFinal("secondary", run: "run-s1", at: 3_300, "Friday works; regression tests come first."),
            #"{"state":{"mode":"high-integrity","posture":"defense","role":"primary"}}"#,
            #"{"waitForClients":1}"#,
            #"{"sleepMs":1500}"#,
        ].joined(separator: "\n") + "\n"
        let setup = try await Self.startGateway(playing: scenario)
        defer { setup.remove() }
        let database = setup.database

        let first = try Child(["run", "--config", setup.path("coordinator.yaml")], in: setup.directory, name: "run1")
        defer { first.terminate() }
        #expect(await RunCommandTests.waitUntil(seconds: 20) {
            (try? Self.query(database, "SELECT count(*) FROM responses")) == ["1"]
                && (try? Self.query(database, "SELECT count(*) FROM ledger_entries")) == ["1"]
        }, "run1: \(first.stderr)")
        first.process.terminate()
        first.process.waitUntilExit()
        #expect(await RunCommandTests.waitUntil { FileManager.default.fileExists(atPath: setup.path("downtime-recorded.json")) })

        let second = try Child(["run", "--config", setup.path("coordinator.yaml")], in: setup.directory, name: "run2")
        defer { second.terminate() }
        #expect(await RunCommandTests.waitUntil(seconds: 20) {
            (try? Self.query(database, "SELECT count(*) FROM responses")) == ["2"]
        }, "run2: \(second.stderr)")
        second.process.terminate()
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "run2: \(second.stderr)")
        #expect(second.stderr.contains("reading the MO§ES ledger lines appended since the last stop"), "\(second.stderr)")
        #expect(try Self.query(database, "SELECT agent, line, is_intact FROM ledger_entries ORDER BY id") == [
            "primary,1,1", "secondary,2,1",
        ])
        #expect(try Self.query(database, "SELECT rule, agent_id FROM violations") == [])
    }

    /// A simulator playing `scenario` (its `state` steps write `downtime-recorded.json`, its
    /// `ledger` steps the ledger `run` tails) and a configuration for `run` against it.
    static func startGateway(playing scenario: String) async throws -> SimulatedGateway {
        let gateway = try await SimulatedGateway(scenario: scenario, ledgerFile: "audit_ledger.jsonl", stateFile: "downtime-recorded.json")
        // A high drift limit: the unaudited downtime answers are the subject here.
        try gateway.writeConfiguration(extra: """
            rules:
              drift_repeat_limit: 100
            """)
        return gateway
    }
}
