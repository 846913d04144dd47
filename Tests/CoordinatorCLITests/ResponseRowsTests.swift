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
}
