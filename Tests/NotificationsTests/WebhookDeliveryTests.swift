#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Runtime
import Synchronization
import Testing
import TestSupport
import WireFormats
@testable import Notifications

@Suite struct WebhookDeliveryTests {
    /// The webhook is down (503), then up: every violation is delivered exactly once, in
    /// order, also across a restart of the worker with rows still pending.
    @Test func downThenUpDeliversEveryViolationOnceInOrderAcrossARestart() throws {
        let fixture = StoreAndWebhook(webhookStatus: 503)
        defer { fixture.stop() }
        let first = (1...5).map { Fixtures.violation($0) }
        try Fixtures.store(first, at: fixture.path, channels: [.webhook])

        let configuration = Fixtures.fastConfiguration(webhookURL: fixture.receiver.url)
        let worker = try DeliveryWorker(path: fixture.path, configuration: configuration, logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: fixture.path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { fixture.receiver.requests.count >= 3 })
        worker.stop()
        // While down, only the head of the channel was tried: order holds.
        #expect(Set(fixture.receiver.requests.map(\.body)) == [first[0].jsonLine + "\n"])
        #expect(fixture.receiver.acceptedBodies.isEmpty)
        #expect(worker.counters.retries >= 3)

        // Restart with the webhook up and more violations stored meanwhile.
        fixture.receiver.status = 200
        let second = (6...8).map { Fixtures.violation($0) }
        try Fixtures.store(second, at: fixture.path, channels: [.webhook])
        let restarted = try DeliveryWorker(path: fixture.path, configuration: configuration, logger: Fixtures.logger)
        try restarted.start(writingThrough: writer)
        #expect(waitUntil { restarted.outboxCounts.delivered == 8 })
        restarted.stop()

        #expect(fixture.receiver.acceptedBodies == (first + second).map(\.jsonLine))
        let request = try #require(fixture.receiver.requests.last)
        #expect(request.method == "POST")
        #expect(request.path == "/hook?token=secret")
        #expect(request.contentType == "application/json")
        let outbox = try Outbox(path: fixture.path)
        let rows = try outbox.rows(of: NotificationChannel.webhook.rawValue)
        #expect(rows.count == 8)
        #expect(rows.allSatisfy { $0.state == .delivered && $0.deliveredAt != nil })
        #expect(rows[0].attempts >= 4)
        #expect(try outbox.counts().pending == 0)
    }

    /// A refused connection is an attempt like a 503: counted, retried, the reason kept,
    /// and the URL's token never in the recorded error.
    @Test func refusedConnectionIsRetriedWithItsReasonRecorded() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let closed = LoopbackHTTPReceiver(status: 200)
        let url = closed.url
        closed.stop()  // nothing listens on that port now
        try Fixtures.store([Fixtures.violation(1)], at: path, channels: [.webhook])
        var configuration = Fixtures.fastConfiguration(webhookURL: url)
        configuration.maxAttempts = 3
        let worker = try DeliveryWorker(path: path, configuration: configuration, logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.failed == 1 })
        worker.stop()
        let row = try #require(try Outbox(path: path).rows(of: "webhook").first)
        #expect(row.state == .failed)
        #expect(row.attempts == 3)
        let error = try #require(row.lastError)
        #expect(error.contains("connecting to 127.0.0.1 failed"))
        #expect(!error.contains("secret"))
        #expect(worker.counters.failed == 1 && worker.counters.retries == 2)
    }

    /// A webhook that never answers costs one timeout per attempt, not a stalled worker.
    @Test func silentWebhookTimesOut() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        // A listener that accepts nothing: the connect succeeds (backlog), no response comes.
        let silent = SilentListener()
        defer { silent.close() }
        try Fixtures.store([Fixtures.violation(1)], at: path, channels: [.webhook])
        var configuration = Fixtures.fastConfiguration(webhookURL: "http://127.0.0.1:\(silent.port)/")
        configuration.webhookTimeoutMs = 300
        configuration.maxAttempts = 1
        let worker = try DeliveryWorker(path: path, configuration: configuration, logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.failed == 1 })
        worker.stop()
        let row = try #require(try Outbox(path: path).rows(of: "webhook").first)
        #expect(row.lastError == "webhook: no result within 300 ms")
    }
}

@Suite struct WebhookClientTests {
    /// An attempt against a server that never answers returns at its timeout, not later.
    @Test func attemptReturnsAtItsTimeout() throws {
        let silent = SilentListener()
        defer { silent.close() }
        let client = WebhookClient()
        let started = ContinuousClock.now
        let result = client.post(Array("{}".utf8), to: try WebhookURL(parsing: "http://127.0.0.1:\(silent.port)/"), timeoutMs: 300)
        let elapsed = started.duration(to: .now)
        #expect(result == .failure(.timedOut(channel: "webhook", afterMs: 300)))
        #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(2), "took \(elapsed)")
    }

    /// Every POST of a client goes through one lws context on one service thread, also
    /// after an attempt that timed out; each is answered and recorded by the receiver.
    @Test func manyPostsShareOneContext() throws {
        let receiver = LoopbackHTTPReceiver(status: 200)
        defer { receiver.stop() }
        let silent = SilentListener()
        defer { silent.close() }
        let client = WebhookClient()
        let url = try WebhookURL(parsing: receiver.url)
        for index in 1...5 {
            #expect(client.post(Array("{\"n\":\(index)}".utf8), to: url, timeoutMs: 5_000) == .success(200))
        }
        let silentURL = try WebhookURL(parsing: "http://127.0.0.1:\(silent.port)/")
        #expect(client.post(Array("{}".utf8), to: silentURL, timeoutMs: 200) == .failure(.timedOut(channel: "webhook", afterMs: 200)))
        #expect(client.post(Array("{\"n\":6}".utf8), to: url, timeoutMs: 5_000) == .success(200))
        #expect(receiver.requests.map(\.body) == (1...6).map { "{\"n\":\($0)}" })
        #expect(client.contextsCreated == 1)
    }

    /// `cancel` ends the attempt in progress at once (not at its timeout) and every later one.
    @Test func cancelEndsTheAttemptInProgress() throws {
        let silent = SilentListener()
        defer { silent.close() }
        let client = WebhookClient()
        let url = try WebhookURL(parsing: "http://127.0.0.1:\(silent.port)/")
        let outcome = Mutex<Result<Int, NotificationError>?>(nil)
        let poster = NamedThread.start(name: "moses-poster") {
            let result = client.post(Array("{}".utf8), to: url, timeoutMs: 60_000)
            outcome.withLock { $0 = result }
        }
        #expect(waitUntil { client.contextsCreated == 1 })
        let started = ContinuousClock.now
        client.cancel()
        poster.join()
        #expect(outcome.withLock { $0 } == .failure(.stopped))
        #expect(started.duration(to: .now) < .seconds(30))
        #expect(client.post(Array("{}".utf8), to: url, timeoutMs: 1_000) == .failure(.stopped))
    }
}

@Suite struct UnconfiguredChannelTests {
    /// Rows queued for a channel the configuration no longer has fail at once, not after a
    /// day of retries, and the other channel still delivers.
    @Test func rowsOfARemovedChannelFailAtOnce() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let output = directory.file("received.jsonl")
        let program = Fixtures.script("cat >> '\(output)'", in: directory, name: "notify.sh")
        try Fixtures.store([Fixtures.violation(1)], at: path, channels: [.webhook, .exec])
        let worker = try DeliveryWorker(
            path: path, configuration: Fixtures.fastConfiguration(execProgram: program), logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.failed == 1 && worker.outboxCounts.delivered == 1 })
        worker.stop()
        let row = try #require(try Outbox(path: path).rows(of: "webhook").first)
        #expect(row.attempts == 1 && row.lastError == "channel webhook is not configured")
        #expect(Fixtures.contents(of: output) == Fixtures.violation(1).jsonLine + "\n")
    }
}

@Suite struct HTTPSWebhookTests {
    /// An `https://` webhook with a private CA: the worker delivers over TLS.
    @Test func deliversOverTLSWithAPrivateCA() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let receiver = try TLSWebhookReceiver(in: directory)
        defer { receiver.stop() }
        let violations = (1...2).map { Fixtures.violation($0) }
        try Fixtures.store(violations, at: path, channels: [.webhook])
        var configuration = Fixtures.fastConfiguration(webhookURL: "https://127.0.0.1:\(receiver.port!)/hook")
        configuration.caFilePath = receiver.certificatePath
        let worker = try DeliveryWorker(path: path, configuration: configuration, logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.delivered == 2 })
        worker.stop()
        #expect(receiver.bodies == violations.map { $0.jsonLine + "\n" })
    }

    /// A CA file that is missing fails the TLS handshake; once it is there the next attempt
    /// takes a new context (lws reads the file only then) and delivers.
    @Test func aCAFileThatAppearsLaterIsUsed() throws {
        let directory = TemporaryDirectory()
        let receiver = try TLSWebhookReceiver(in: directory)
        defer { receiver.stop() }
        let caPath = directory.file("ca.pem")
        let client = WebhookClient(caFilePath: caPath)
        let url = try WebhookURL(parsing: "https://127.0.0.1:\(receiver.port!)/hook")
        guard case .failure(.connectFailed) = client.post(Array("{}".utf8), to: url, timeoutMs: 5_000) else {
            Issue.record("expected the TLS handshake to fail without the CA file")
            return
        }
        #expect(link(receiver.certificatePath, caPath) == 0)
        #expect(client.post(Array("{}".utf8), to: url, timeoutMs: 5_000) == .success(200))
        #expect(client.post(Array("{}".utf8), to: url, timeoutMs: 5_000) == .success(200))
        #expect(client.contextsCreated == 2)
    }

    /// Without the CA the server's certificate is refused: nothing is delivered.
    @Test func refusesAnUntrustedCertificate() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let receiver = try TLSWebhookReceiver(in: directory)
        defer { receiver.stop() }
        try Fixtures.store([Fixtures.violation(1)], at: path, channels: [.webhook])
        var configuration = Fixtures.fastConfiguration(webhookURL: "https://127.0.0.1:\(receiver.port!)/hook")
        configuration.maxAttempts = 2
        let worker = try DeliveryWorker(path: path, configuration: configuration, logger: Fixtures.logger)
        let writer = try Fixtures.writer(at: path)
        defer { try? writer.close() }
        try worker.start(writingThrough: writer)
        #expect(waitUntil { worker.outboxCounts.failed == 1 })
        worker.stop()
        #expect(receiver.bodies.isEmpty)
    }
}
