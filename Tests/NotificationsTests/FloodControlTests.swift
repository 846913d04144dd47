import AuditStore
import Testing
import WireFormats
@testable import Notifications

@Suite struct FloodControlTests {
    /// Five violations of one (rule, conversation) inside the window: the first is delivered,
    /// four are held back and summarized as "suppressed 4 since T" when the window ends; another
    /// conversation is not held back.
    @Test func windowDeliversTheFirstAndASummaryOfTheRest() throws {
        let fixture = StoreAndWebhook(webhookStatus: 200)
        defer { fixture.stop() }
        let flood = (1...5).map { Fixtures.violation($0) }
        let other = Fixtures.violation(6, conversation: "discord:group:2")
        try Fixtures.store(flood + [other], at: fixture.path, channels: [.webhook])

        // Windows are forgotten two window lengths after they open; each outcome is a commit
        // on the writer's thread, so on a loaded machine 300 ms could pass before the last
        // row is suppressed. A second leaves room.
        let worker = try DeliveryWorker(
            path: fixture.path, configuration: Fixtures.fastConfiguration(webhookURL: fixture.receiver.url, windowMs: 1_000),
            logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: fixture.path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.delivered == 3 })
        worker.stop()

        let bodies = fixture.receiver.acceptedBodies
        #expect(bodies.count == 3)
        #expect(Array(bodies.prefix(2)) == [flood[0].jsonLine, other.jsonLine])
        let summary = try #require(bodies.last)
        #expect(summary.contains("\"summary\":\"suppressed 4 since "))
        #expect(summary.contains("\"suppressed\":4"))
        #expect(summary.contains("\"conversation\":\"discord:group:1\""))
        #expect(summary.contains("\"rule\":\"sequence\""))

        let counts = worker.outboxCounts
        #expect(counts.suppressed == 4 && counts.pending == 0 && counts.failed == 0)
        #expect(worker.counters.suppressed == 4 && worker.counters.summaries == 1)
        // History stays complete: every violation has its outbox row.
        let rows = try Outbox(path: fixture.path).rows(of: "webhook")
        #expect(rows.filter { $0.kind == .violation }.count == 6)
        #expect(rows.filter { $0.state == .summarized }.count == 4)
    }

    /// With the window at 0 nothing is suppressed.
    @Test func zeroWindowDeliversEverything() throws {
        let fixture = StoreAndWebhook(webhookStatus: 200)
        defer { fixture.stop() }
        let flood = (1...4).map { Fixtures.violation($0) }
        try Fixtures.store(flood, at: fixture.path, channels: [.webhook])
        let worker = try DeliveryWorker(
            path: fixture.path, configuration: Fixtures.fastConfiguration(webhookURL: fixture.receiver.url, windowMs: 0),
            logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: fixture.path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.delivered == 4 })
        worker.stop()
        #expect(fixture.receiver.acceptedBodies == flood.map(\.jsonLine))
    }
}
