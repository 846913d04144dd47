#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Testing
import TestSupport
import WireFormats
@testable import Notifications

@Suite struct WorkerWiringTests {
    /// A webhook that hangs holds up only its own rows: the writer stores and queues at full
    /// speed while the worker waits on the webhook's timeout.
    @Test func hangingWebhookDoesNotSlowTheWriter() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let silent = SilentListener()
        defer { silent.close() }
        var configuration = Fixtures.fastConfiguration(webhookURL: "http://127.0.0.1:\(silent.port)/")
        configuration.webhookTimeoutMs = 30_000
        try Fixtures.store([Fixtures.violation(0)], at: path, channels: [.webhook])
        let worker = try DeliveryWorker(path: path, configuration: configuration, logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        defer { worker.stop() }

        let started = ContinuousClock.now
        try Fixtures.store((1...500).map { Fixtures.violation($0) }, at: path, channels: [.webhook])
        let elapsed = started.duration(to: .now)
        #expect(elapsed < .seconds(10), "storing took \(elapsed)")
        let outbox = try Outbox(path: path)
        #expect(try outbox.counts().pending == 501)
        #expect(worker.counters.delivered == 0)
    }
}
