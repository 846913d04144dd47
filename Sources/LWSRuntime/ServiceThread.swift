#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Runtime
import Synchronization

/// One dedicated thread running one lws context, and the only way other threads reach it:
/// the doorbell (`lws_cancel_service`, the one lws call that is safe off the service
/// thread) and a stop flag. `runContext` is the one place an lws context is created,
/// serviced and destroyed, so each lives and dies on its own service thread.
///
/// Owned by the lws user that starts it (gateway client, simulator, metrics server, webhook
/// client); `Sendable`, callable from any thread.
/// The context pointer is published under the mutex so the doorbell never rings a context
/// being destroyed: the service thread clears it under the same lock before destroying.
package final class ServiceThread: Sendable {
    private struct Shared {
        /// The live context as an integer (an `OpaquePointer` is not `Sendable`), or 0.
        var contextBits: UInt = 0
        var isStopRequested = false
        var thread: NamedThread?
    }

    private let shared = Mutex(Shared())

    package init() {}

    /// True once `stop()` has been asked; the service loop checks it after each wake.
    package var isStopRequested: Bool { shared.withLock { $0.isStopRequested } }

    /// Starts the thread, named `name`, running `body`, which runs its context with
    /// `runContext`.
    package func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = NamedThread.start(name: name, body)
        shared.withLock { $0.thread = thread }
    }

    /// Service thread only: creates a context from `settings`, publishes it, calls `started`,
    /// services it until `stop()` is asked (or lws fails), calls `stopping`, then unpublishes
    /// and destroys it. `settings` outlives the context, as lws keeps pointers into it.
    ///
    /// - Returns: false when lws could not create the context (neither closure is called).
    @discardableResult
    package func runContext(
        _ settings: LWSContextSettings, started: (OpaquePointer) -> Void, stopping: (OpaquePointer) -> Void = { _ in }
    ) -> Bool {
        guard let context = lws_create_context(&settings.info) else { return false }
        created.add(1, ordering: .relaxed)
        publish(context)
        started(context)
        while !isStopRequested {
            if lws_service(context, 0) < 0 { break }
        }
        stopping(context)
        unpublish()
        lws_context_destroy(context)
        return true
    }

    /// Lws contexts this thread has created so far (0 or 1 unless `runContext` is called
    /// again). Any thread.
    package var contextsCreated: Int { created.load(ordering: .relaxed) }

    private let created = Atomic<Int>(0)

    /// Makes the context reachable by the doorbell. Service thread only.
    private func publish(_ context: OpaquePointer) {
        shared.withLock { $0.contextBits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(context))) }
    }

    /// Withdraws the context before it is destroyed. Service thread only.
    private func unpublish() {
        shared.withLock { $0.contextBits = 0 }
    }

    /// Wakes the service loop (`LWS_CALLBACK_EVENT_WAIT_CANCELLED`). Any thread. Wakeups
    /// coalesce: the woken side drains everything queued.
    package func ringDoorbell() {
        shared.withLock { state in
            guard state.contextBits != 0, let raw = UnsafeRawPointer(bitPattern: state.contextBits) else { return }
            lws_cancel_service(OpaquePointer(raw))
        }
    }

    /// Asks the loop to stop without waiting: for the service thread itself (a context that
    /// came up unusable). Any thread.
    package func requestStop() {
        shared.withLock { $0.isStopRequested = true }
        ringDoorbell()
    }

    /// Asks the loop to stop, wakes it and waits for the thread to end. Any thread but the
    /// service thread; idempotent.
    package func stop() {
        shared.withLock { $0.isStopRequested = true }
        ringDoorbell()
        let thread: NamedThread? = shared.withLock { state in
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
    }
}
