import AuditStore
import Testing
import TestSupport
@testable import Notifications

@Suite struct DeliveryWorkerConnectionTests {
    /// The store has one writing connection: while the worker delivers and records each
    /// outcome, the database file is open once for writing (the writer's connection) and once
    /// read-only (the worker's), and the outcomes still reach the outbox.
    @Test func workerReadsReadOnlyAndWritesThroughTheWriter() throws {
        let fixture = StoreAndWebhook(webhookStatus: 200)
        defer { fixture.stop() }
        var writerConfiguration = AuditWriter.Configuration()
        writerConfiguration.notificationChannels = [.webhook]
        let writer = try AuditWriter(path: fixture.path, configuration: writerConfiguration, logger: Fixtures.logger)
        defer { try? writer.close() }
        let violations = (1...3).map { Fixtures.violation($0) }
        for violation in violations { _ = writer.enqueue(.violation(violation)) }
        try writer.flush()
        #expect(OpenDescriptor.all(on: fixture.path).map(\.isWritable) == [true])

        let worker = try DeliveryWorker(
            path: fixture.path, configuration: Fixtures.fastConfiguration(webhookURL: fixture.receiver.url),
            logger: Fixtures.logger)
        try worker.start(writingThrough: writer)
        defer { worker.stop() }
        #expect(waitUntil { worker.outboxCounts.delivered == 3 })
        #expect(fixture.receiver.acceptedBodies == violations.map(\.jsonLine))
        // The writer's and the worker's; descriptor numbers are reused, so count, don't order.
        let open = OpenDescriptor.all(on: fixture.path)
        #expect(open.count == 2 && open.filter(\.isWritable).count == 1, "open on the store: \(open)")
        let rows = try Outbox(path: fixture.path).rows(of: "webhook")
        #expect(rows.map(\.state) == [.delivered, .delivered, .delivered])
        #expect(rows.allSatisfy { $0.attempts == 1 && $0.deliveredAt != nil })
    }
}
