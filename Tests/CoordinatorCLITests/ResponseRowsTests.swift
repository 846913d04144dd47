import Foundation
import Testing

/// The `responses` table as `replay --db` fills it: every judged response gets its own row,
/// once however often a capture is replayed, marked audited when its audit is known.
@Suite struct ResponseRowsTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-responses-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func csv(_ db: String, _ sql: String) throws -> String {
        let query = try CoordinatorBinary.run(["query", "--db", db, "--format", "csv", sql])
        #expect(query.status == 0, "stderr: \(query.stderr)")
        return query.stdout
    }

    /// Legacy frames carry no run id: two of one agent in one millisecond, with different
    /// text or none, are two responses, and a second replay adds neither again.
    @Test func responsesWithoutRunIDSharingAMillisecondAreEachStoredOnce() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("legacy.jsonl")
        try """
            {"type": "session_update", "session_id": "s-1", "agent": "primary", "text": "first answer", "ts": 1767225600000}
            {"type": "session_update", "session_id": "s-1", "agent": "primary", "text": "second answer", "ts": 1767225600000}
            {"type": "session_update", "session_id": "s-1", "agent": "primary", "ts": 1767225600000}
            {"type": "session_update", "session_id": "s-1", "agent": "secondary", "ts": 1767225600000}
            {"type": "session_update", "session_id": "s-1", "agent": "primary", "ts": 1767225601000}

            """.write(to: capture, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("audit.db").path
        for _ in 0..<2 {
            let replay = try CoordinatorBinary.run(["replay", "--db", db, capture.path])
            #expect(replay.status == 0, "stderr: \(replay.stderr)")
            #expect(try Self.csv(db, "SELECT count(*) AS n FROM responses") == "n\n5\n")
        }
        #expect(try Self.csv(db, "SELECT agent_id, ts, text_length FROM responses ORDER BY id")
            == "agent_id,ts,text_length\nprimary,1767225600000,12\nprimary,1767225600000,13\nprimary,1767225600000,0\nsecondary,1767225600000,0\nprimary,1767225601000,0\n")
    }

    /// A response is marked audited whether its ledger append was known when it was judged
    /// (primary) or arrived within the grace after it (secondary); one with no append
    /// (observer) stays not audited and is the one audit_before_response violation.
    @Test func isAuditedIsFilledInWhenTheVerdictIsKnown() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func ledger(at: Int64, stamp: String, agent: String) -> String {
            #"{"source":"ledger","at":\#(at),"data":{"timestamp":"\#(stamp)","agent":"\#(agent)","component":"moses-governance","action":"respond","detail":"d","outcome":"logged","mode":"high-integrity","posture":"defense","role":"\#(agent)","session_hash":null,"previous_hash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"369c577462633d5c3f4118a7569d811239eabbee5897a2b9d6d17ecfd1b040be"}}"#
        }
        func response(at: Int64, agent: String) -> String {
            // An OpenClaw chat final: a legacy frame names no run, so its audit is unverifiable.
            #"{"source":"gateway","at":\#(at),"data":{"type":"event","event":"chat","payload":{"runId":"run-\#(agent)","sessionKey":"agent:\#(agent):discord:group:1","seq":1,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"answer from \#(agent)"}],"timestamp":\#(at)}}}}"#
        }
        let lines = [
            #"{"source":"state","at":1767225600000,"data":{"mode":"high-integrity","posture":"defense","role":"primary"}}"#,
            ledger(at: 1_767_225_600_900, stamp: "2026-01-01T00:00:00.800000+00:00", agent: "primary"),
            response(at: 1_767_225_601_000, agent: "primary"),
            response(at: 1_767_225_602_000, agent: "secondary"),
            ledger(at: 1_767_225_602_100, stamp: "2026-01-01T00:00:01.900000+00:00", agent: "secondary"),
            response(at: 1_767_225_603_000, agent: "observer"),
        ]
        let capture = directory.appendingPathComponent("audits.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: capture, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("audit.db").path
        let replay = try CoordinatorBinary.run(["replay", "--db", db, capture.path])
        #expect(replay.status == 0, "stderr: \(replay.stderr)")
        #expect(try Self.csv(db, "SELECT agent_id, is_audited FROM responses ORDER BY ts")
            == "agent_id,is_audited\nprimary,1\nsecondary,1\nobserver,0\n")
        #expect(try Self.csv(db, "SELECT agent_id FROM violations WHERE rule = 'audit_before_response'")
            == "agent_id\nobserver\n")
        #expect(try Self.csv(db, "SELECT what FROM recent_activity WHERE kind = 'response' ORDER BY ts")
            == "what\naudited\naudited\nnot audited\n")
    }
}
