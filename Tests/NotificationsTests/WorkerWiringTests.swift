#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Testing
import TestSupport
import WireFormats
@testable import Notifications

@Suite struct WorkerWiringTests {
    /// Wired as `run` does it: the writer's onDurable rings the worker, which delivers at once
    /// although its idle wake is a minute away.
    @Test func durableBatchWakesTheWorker() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let receiver = LoopbackHTTPReceiver(status: 200)
        defer { receiver.stop() }
        var configuration = Fixtures.fastConfiguration(webhookURL: receiver.url)
        configuration.idleWakeMs = 60_000
        let worker = try DeliveryWorker(path: path, configuration: configuration, logger: Fixtures.logger)
        worker.start()
        defer { worker.stop() }

        var writerConfiguration = AuditWriter.Configuration()
        writerConfiguration.notificationChannels = configuration.channels
        let writer = try AuditWriter(path: path, configuration: writerConfiguration, logger: Fixtures.logger) { batch in
            for violation in batch.violations { ViolationLog.log(violation, to: Fixtures.logger) }
            if !batch.violations.isEmpty { worker.wake() }
        }
        let violation = Fixtures.violation(1)
        _ = writer.enqueue(.violation(violation))
        try writer.flush()
        #expect(waitUntil(seconds: 10) { receiver.acceptedBodies == [violation.jsonLine] })
        try writer.close()
    }

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
        worker.start()
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
