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
        /// The running service; nil before the first attempt, after cancel, or after its
        /// thread ended (no context, or its loop failed; the next attempt starts another).
        var service: WebhookService?
        /// Lws contexts created by services no longer running.
        var retiredContexts = 0
        /// The attempts `post` is waiting for, reached by `cancel()`.
        var inFlight: [ObjectIdentifier: WebhookAttempt] = [:]
    }

    package init(caFilePath: String? = nil) {
        self.caFilePath = caFilePath
    }

    deinit { cancel() }

    /// How many lws contexts this client has created: one for its whole life, plus one each
    /// time the CA file changed or a service thread's loop failed. Any thread.
    package var contextsCreated: Int {
        shared.withLock { $0.retiredContexts + ($0.service?.thread.contextsCreated ?? 0) }
    }

    /// Posts `body` as `application/json` to `url`. Any thread but the client's service thread.
    ///
    /// - Returns: the HTTP status (any; the caller decides what 2xx means), or why there is none.
    package func post(_ body: [UInt8], to url: WebhookURL, timeoutMs: Int) -> Result<Int, NotificationError> {
        let deadline = ContinuousClock.now + .milliseconds(max(0, timeoutMs))
        let attempt = WebhookAttempt(body: body, url: url)
        let key = ObjectIdentifier(attempt)
        let caFileVersion = caFilePath.flatMap { FileVersion(path: $0) }
        let (service, replaced) = shared.withLock { state -> (WebhookService?, WebhookService?) in
            guard !state.isCancelled else { return (nil, nil) }
            state.inFlight[key] = attempt
            if let current = state.service, current.caFileVersion == caFileVersion { return (current, nil) }
            // lws reads the CA file only when it creates a context: one that appeared or was
            // replaced since takes a new context, as it did when every POST had its own.
            let replaced = state.service
            let service = WebhookService(caFilePath: caFilePath, caFileVersion: caFileVersion)
            state.service = service
            service.start()
            return (service, replaced)
        }
        if let replaced { retire(replaced) }
        guard let service else { return .failure(.stopped) }
        defer { _ = shared.withLock { $0.inFlight.removeValue(forKey: key) } }
        service.submit(attempt)
        let outcome = attempt.wait(until: deadline, orElse: .failure(.timedOut(channel: "webhook", afterMs: timeoutMs)))
        // Wakes the service thread to close the connection of an attempt that ended here.
        service.thread.ringDoorbell()
        if outcome == .failure(.contextCreationFailed) {
            // The service's thread has ended (no context, or its loop failed): the next
            // attempt starts another. Joined once, by whoever takes it out of `shared`.
            let isCurrent = shared.withLock { state in
                guard state.service === service else { return false }
                state.service = nil
                return true
            }
            if isCurrent { retire(service) }
        }
        return outcome
    }

    /// Stops a service taken out of `shared` and counts its context.
    private func retire(_ service: WebhookService) {
        service.thread.stop()
        shared.withLock { $0.retiredContexts += service.thread.contextsCreated }
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
        if let service { retire(service) }
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
    /// The CA file as it was when this service started (nil: none, or missing).
    let caFileVersion: FileVersion?
    let thread = ServiceThread()
    private let queue = Mutex<Queue>(Queue())

    private struct Queue {
        var submitted: [WebhookAttempt] = []
        /// Set when the context could not be created: nothing will take attempts.
        var hasFailed = false
    }

    init(caFilePath: String?, caFileVersion: FileVersion?) {
        self.caFilePath = caFilePath
        self.caFileVersion = caFileVersion
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

    /// Fails every queued and later attempt as `.contextCreationFailed`, which makes the
    /// client start another service: the context is gone (never created, or its loop ended).
    /// Service thread, as it ends.
    func refuseAttempts() {
        let pending = queue.withLock { state in
            state.hasFailed = true
            defer { state.submitted.removeAll() }
            return state.submitted
        }
        for attempt in pending { attempt.finish(.failure(.contextCreationFailed)) }
    }
}
