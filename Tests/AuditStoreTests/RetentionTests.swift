import Runtime
import Testing
import TestSupport
@testable import AuditStore

@Suite struct RetentionTests {
    @Test func pruningDropsOldEventsAndKeepsViolationsAndTheChain() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let writer = try AuditWriter(path: path, logger: Fixtures.logger)
        for record in Fixtures.everyKind() { _ = writer.enqueue(record) }
        try writer.flush()
        // Nothing is older than a minute ago: nothing goes.
        _ = writer.enqueue(.prune(before: WallClock.milliseconds() - 60_000))
        try writer.flush()
        let reader = try AuditDatabase.openReader(path: path)
        for table in ["responses", "tool_calls", "ledger_entries", "state_changes"] {
            #expect(try reader.count(table) == 1, "\(table) kept")
        }
        // Everything recorded before now goes, but violations and the ledger stay.
        _ = writer.enqueue(.prune(before: WallClock.milliseconds() + 1_000))
        try writer.close()
        for table in ["responses", "tool_calls", "ledger_entries", "state_changes"] {
            #expect(try reader.count(table) == 0, "\(table) pruned")
        }
        #expect(try reader.count("violations") == 1)
        #expect(try reader.count("ledger") == 2)
        #expect(try LedgerVerification.verifyStore(reader).isIntact)
    }
}
