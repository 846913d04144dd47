#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Synchronization

/// One dedicated thread running one lws context, and the only way other threads reach it:
/// the doorbell (`lws_cancel_service`, the one lws call that is safe off the service
/// thread) and a stop flag.
///
/// Owned by the client or simulator that starts it; `Sendable`, callable from any thread.
/// The context pointer is published under the mutex so the doorbell never rings a context
/// being destroyed: the service thread clears it under the same lock before destroying.
package final class ServiceThread: Sendable {
    private struct Shared {
        /// The live context as an integer (an `OpaquePointer` is not `Sendable`), or 0.
        var contextBits: UInt = 0
        var isStopRequested = false
        var thread: pthread_t?
    }

    private let shared = Mutex(Shared())

    package init() {}

    /// True once `stop()` has been asked; the service loop checks it after each wake.
    package var isStopRequested: Bool { shared.withLock { $0.isStopRequested } }

    /// Starts the thread running `body`, which must create the context, call `publish`,
    /// service until `isStopRequested`, call `unpublish` and destroy the context.
    package func start(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        // The thread takes the retain and releases it when the body returns.
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<AnyObject>.fromOpaque(argument!).takeRetainedValue() as! Box
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        shared.withLock { $0.thread = thread }
    }

    /// Makes the context reachable by the doorbell. Service thread only.
    package func publish(_ context: OpaquePointer) {
        shared.withLock { $0.contextBits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(context))) }
    }

    /// Withdraws the context before it is destroyed. Service thread only.
    package func unpublish() {
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

    /// Asks the loop to stop, wakes it and waits for the thread to end. Any thread but the
    /// service thread; idempotent.
    package func stop() {
        shared.withLock { $0.isStopRequested = true }
        ringDoorbell()
        let thread: pthread_t? = shared.withLock { state in
            defer { state.thread = nil }
            return state.thread
        }
        if let thread { pthread_join(thread, nil) }
    }
}
