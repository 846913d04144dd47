import Governance
import Testing
import TestSupport
@testable import AuditStore

/// The delivery worker's outbox bookkeeping through the store's one writer.
@Suite struct AuditWriterOutboxTests {
    /// `write(_:)` returns once the update is committed: a reader sees it at once.
    @Test func writeReturnsOnceTheUpdateIsCommitted() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        var configuration = AuditWriter.Configuration()
        configuration.notificationChannels = [.webhook]
        configuration.batchIntervalMs = 60_000  // only a flush commits
        let writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        _ = writer.enqueue(.violation(Fixtures.violation(1)))
        _ = writer.enqueue(.violation(Fixtures.violation(2)))
        try writer.flush()
        let outbox = try Outbox(path: path)
        let ids = try outbox.rows(of: "webhook").map(\.id)
        #expect(ids.count == 2)

        try writer.write(.delivered(id: ids[0], attempts: 1, at: 1_000))
        try writer.write(.retry(id: ids[1], attempts: 1, nextAttemptAt: 2_000, error: "HTTP status 503"))
        let rows = try outbox.rows(of: "webhook")
        #expect(rows.map(\.state) == [.delivered, .pending])
        #expect(rows[0].deliveredAt == 1_000 && rows[0].attempts == 1)
        #expect(rows[1].nextAttemptAt == 2_000 && rows[1].lastError == "HTTP status 503")

        try writer.close()
        #expect(throws: DatabaseError.self) { try writer.write(.failed(id: ids[1], attempts: 2, error: "late")) }
        #expect(try outbox.rows(of: "webhook")[1].state == .pending)
    }

    /// The overflow policy drops observations, never an outbox update (a lost `delivered`
    /// would notify the operator twice): like a violation it takes the reserve.
    @Test func theDropPolicyNeverDropsAnOutboxUpdate() throws {
        let stuck = try StuckDropWriter(queueCapacity: 1, violationReserve: 2)
        #expect(stuck.writer.enqueue(Fixtures.response(1)) == .accepted)
        #expect(stuck.writer.enqueue(Fixtures.response(2)) == .dropped)
        #expect(stuck.writer.enqueue(.outbox(.suppressed(id: 1))) == .accepted)
        try stuck.blocker.execute(sql: "ROLLBACK")
        try stuck.writer.close()
        #expect(stuck.writer.counters.dropped == 1)
    }
}
