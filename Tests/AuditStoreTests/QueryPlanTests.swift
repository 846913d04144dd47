import Testing
import TestSupport
@testable import AuditStore

@Suite struct QueryPlanTests {
    /// "The last hour's violations for one conversation" is answered from the
    /// conversation+time index, not a scan.
    @Test func lastHourForOneConversationUsesTheConversationTimeIndex() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let database = try AuditDatabase.openWriter(path: path)
        let applier = AuditBatchApplier(database: database)
        _ = try applier.apply(
            (0..<2_000).map { AuditRecord.violation(Fixtures.violation($0, conversation: "discord:group:\($0 % 50)")) },
            recordedAt: 0)
        try database.execute(sql: "ANALYZE")
        let reader = try AuditDatabase.openReader(path: path)
        let plan = try reader.makeStatement(sql: "EXPLAIN QUERY PLAN " + Schema.violationsForConversationSince)
        try plan.bind([.text("discord:group:7"), .integer(1_763_990_000_000 - 3_600_000)])
        var details: [String] = []
        while try plan.step() { details.append(plan.text(at: 3) ?? "") }
        #expect(details.contains { $0.contains("USING INDEX idx_violations_conversation_ts (conversation=? AND ts>?)") },
                "\(details)")
        #expect(!details.contains { $0.hasPrefix("SCAN") }, "\(details)")

        let query = try reader.makeStatement(sql: Schema.violationsForConversationSince)
        try query.bind([.text("discord:group:7"), .integer(0)])
        var rows = 0
        while try query.step() { rows += 1 }
        #expect(rows == 40)
    }
}
