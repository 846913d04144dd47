import AuditStore
import Testing
import TestSupport
import WireFormats
@testable import Notifications

@Suite struct OutboxTests {
    /// Each new violation gets one pending row per channel, written with it; a replayed
    /// violation adds none; the stats view counts them under the /metrics names.
    @Test func violationsQueueOneRowPerChannelInTheirTransaction() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let violations = (1...3).map { Fixtures.violation($0) }
        try Fixtures.store(violations, at: path, channels: [.webhook, .exec])
        try Fixtures.store(violations, at: path, channels: [.webhook, .exec])  // a replay

        let outbox = try Outbox(path: path)
        for channel in NotificationChannel.allCases {
            let rows = try outbox.rows(of: channel.rawValue)
            #expect(rows.map(\.payload) == violations.map(\.jsonLine))
            #expect(rows.allSatisfy { $0.state == .pending && $0.attempts == 0 && $0.violationID != nil })
            #expect(rows.map(\.rule) == ["sequence", "sequence", "sequence"])
        }
        #expect(try outbox.counts().pending == 6)
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try reader.singleInteger(sql: "SELECT value FROM stats WHERE name = '\(OutboxCounts.Name.pending)'") == 6)
        #expect(try reader.singleInteger(sql: "SELECT value FROM stats WHERE name = '\(OutboxCounts.Name.delivered)'") == 0)
    }

    @Test func noChannelsQueueNothing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        try Fixtures.store([Fixtures.violation(1)], at: path, channels: [])
        #expect(try Outbox(path: path).counts() == OutboxCounts())
    }
}

@Suite struct OutboxRetentionTests {
    /// Deleting an old violation (retention) keeps its outbox row, without the link.
    @Test func deletingAViolationKeepsItsNotification() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        try Fixtures.store([Fixtures.violation(1)], at: path, channels: [.webhook])
        let database = try AuditDatabase.openWriter(path: path)
        try database.execute(sql: "DELETE FROM violations")
        let rows = try Outbox(path: path).rows(of: "webhook")
        #expect(rows.count == 1)
        #expect(rows.first?.violationID == nil)
        #expect(rows.first?.payload == Fixtures.violation(1).jsonLine)
    }
}
