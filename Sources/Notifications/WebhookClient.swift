import CLibWebsockets
import LWSRuntime
import Runtime
import Synchronization

/// Posts one JSON body to a webhook with lws's HTTP client role (`http://` and `https://`,
/// the system trust store or `caFilePath`), waiting for the response status or the timeout.
///
/// One long-lived lws context serves every attempt, on the client's own service thread
/// (`WebhookService`, started by the first `post`): a context per attempt would repeat the
/// context and TLS set-up (the CA store) for every POST. `post` hands the attempt to that
/// thread and waits on the calling thread (the delivery worker's) for the status line, a
/// failure or the timeout; the connection of a finished attempt is closed then, so none
/// outlives its attempt. `cancel()` stops the attempts in progress, every later one, and
/// the service thread. `Sendable`: its state is a `Mutex`.
package final class WebhookClient: Sendable {
    /// A private CA file for `https://` webhooks, or nil for the system store.
    package let caFilePath: String?
    private let shared = Mutex(Shared())

    private struct Shared {
        var isCancelled = false
        /// The running service, nil before the first attempt or after its context could not
        /// be created (the next attempt tries again: the CA file may have been fixed).
        var service: WebhookService?
        /// Lws contexts created so far.
        var contextsCreated = 0
        /// The attempts `post` is waiting for, reached by `cancel()`.
        var inFlight: [ObjectIdentifier: WebhookAttempt] = [:]
    }

    package init(caFilePath: String? = nil) {
        self.caFilePath = caFilePath
    }

    deinit { cancel() }

    /// How many lws contexts this client has created: one for its whole life, unless a
    /// context could not be created and a later attempt tried again. Any thread.
    package var contextsCreated: Int { shared.withLock { $0.contextsCreated } }

    /// Posts `body` as `application/json` to `url`. Any thread but the client's service thread.
    ///
    /// - Returns: the HTTP status (any; the caller decides what 2xx means), or why there is none.
    package func post(_ body: [UInt8], to url: WebhookURL, timeoutMs: Int) -> Result<Int, NotificationError> {
        let deadline = ContinuousClock.now + .milliseconds(max(0, timeoutMs))
        let attempt = WebhookAttempt(body: body, url: url)
        let key = ObjectIdentifier(attempt)
        let service: WebhookService? = shared.withLock { state in
            guard !state.isCancelled else { return nil }
            state.inFlight[key] = attempt
            if let service = state.service { return service }
            let service = WebhookService(caFilePath: caFilePath)
            state.service = service
            state.contextsCreated += 1
            service.start()
            return service
        }
        guard let service else { return .failure(.stopped) }
        defer { _ = shared.withLock { $0.inFlight.removeValue(forKey: key) } }
        service.submit(attempt)
        let outcome = attempt.wait(until: deadline, orElse: .failure(.timedOut(channel: "webhook", afterMs: timeoutMs)))
        // Wakes the service thread to close the connection of an attempt that ended here.
        service.thread.ringDoorbell()
        if outcome == .failure(.contextCreationFailed) {
            let isCurrent = shared.withLock { state in
                guard state.service === service else { return false }
                state.service = nil
                return true
            }
            // Its thread has ended; joined once, by whoever took it out of `shared`.
            if isCurrent { service.thread.stop() }
        }
        return outcome
    }

    /// Interrupts the attempts in progress (they return `.stopped`) and every later one, and
    /// stops the service thread, which destroys the context. Any thread but the service
    /// thread; idempotent.
    package func cancel() {
        let (service, attempts) = shared.withLock { state in
            state.isCancelled = true
            defer { state.service = nil }
            return (state.service, Array(state.inFlight.values))
        }
        for attempt in attempts { attempt.finish(.failure(.stopped)) }
        service?.thread.stop()
    }
}

/// One attempt, shared by the thread in `post` (which waits) and the service thread (which
/// finishes it); the first outcome wins. `@unchecked Sendable`: `outcome` is read and
/// written only with `lock` held; `body` and `url` never change.
final class WebhookAttempt: @unchecked Sendable {
    let body: [UInt8]
    let url: WebhookURL
    private let lock = ConditionLock()
    private var outcome: Result<Int, NotificationError>?

    init(body: [UInt8], url: WebhookURL) {
        self.body = body
        self.url = url
    }

    /// True once an outcome is set. Any thread.
    var isFinished: Bool { lock.withLock { outcome != nil } }

    /// Sets the outcome unless one is set already, and wakes the waiter. Any thread.
    func finish(_ result: Result<Int, NotificationError>) {
        lock.withLock {
            guard outcome == nil else { return }
            outcome = result
            lock.signalWork()
        }
    }

    /// Waits for the outcome until `deadline`, when `lateOutcome` becomes the outcome (a
    /// status arriving later is then ignored).
    func wait(until deadline: ContinuousClock.Instant, orElse lateOutcome: Result<Int, NotificationError>) -> Result<Int, NotificationError> {
        lock.withLock {
            while outcome == nil {
                if lock.waitForWork(until: deadline) { break }
            }
            if outcome == nil { outcome = lateOutcome }
            return outcome!
        }
    }
}

/// A webhook client's service thread and the queue of attempts handed to it. `Sendable`:
/// its state is a `Mutex` and the thread-safe `ServiceThread`.
final class WebhookService: Sendable {
    let caFilePath: String?
    let thread = ServiceThread()
    private let queue = Mutex<Queue>(Queue())

    private struct Queue {
        var submitted: [WebhookAttempt] = []
        /// Set when the context could not be created: nothing will take attempts.
        var hasFailed = false
    }

    init(caFilePath: String?) {
        self.caFilePath = caFilePath
    }

    /// Starts the service thread; its session drains the queue once the context is up.
    func start() {
        thread.start(name: "moses-webhook") { [self] in WebhookSession(service: self).run() }
    }

    /// Queues `attempt` and wakes the service thread. Any thread.
    func submit(_ attempt: WebhookAttempt) {
        let hasFailed = queue.withLock { state in
            if !state.hasFailed { state.submitted.append(attempt) }
            return state.hasFailed
        }
        if hasFailed { attempt.finish(.failure(.contextCreationFailed)) }
        thread.ringDoorbell()
    }

    /// The attempts queued since the last call. Service thread.
    func takeSubmitted() -> [WebhookAttempt] {
        queue.withLock { state in
            defer { state.submitted.removeAll() }
            return state.submitted
        }
    }

    /// Fails every queued and later attempt: the context could not be created. Service thread.
    func failAll() {
        let pending = queue.withLock { state in
            state.hasFailed = true
            defer { state.submitted.removeAll() }
            return state.submitted
        }
        for attempt in pending { attempt.finish(.failure(.contextCreationFailed)) }
    }
}
