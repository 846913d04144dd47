#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Logging
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

/// Process-wide lws log routing: errors and warnings only, into the swift-log logger of
/// the most recently started client or simulator (lws's own notices, one per context,
/// would drown the daemon's log). lws has one log sink per process, hence the global.
package enum LWSLogging {
    /// The logger lws lines go to; set before each context is created.
    static let logger = Mutex<Logger?>(nil)

    /// The lws log levels routed to the logger.
    static let levels = LLL_ERR | LLL_WARN

    private static let configured: Bool = {
        lws_set_log_level(levels, lwsLogEmit)
        return true
    }()

    /// Routes lws's log lines to `logger` from now on.
    package static func configure(_ logger: Logger) {
        self.logger.withLock { $0 = logger }
        _ = configured
    }
}

/// lws's log sink: a plain global C-compatible function. lws calls it on whichever
/// thread logs (a service thread); the logger is read under its mutex.
func lwsLogEmit(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    if level & LLL_DEBUG != 0 {
        // Only on while a client dials, for the errno of a failed connect.
        LWSDialErrors.note(debugLine: String(cString: line))
        return
    }
    guard let logger = LWSLogging.logger.withLock({ $0 }) else { return }
    let text = String(cString: line).trimmingTrailingNewlines()
    if level & LLL_ERR != 0 {
        logger.error("libwebsockets", metadata: ["lws.line": "\(text)"])
    } else {
        logger.warning("libwebsockets", metadata: ["lws.line": "\(text)"])
    }
}

/// Monotonic microseconds, for the liveness watchdog.
package func monotonicMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}

/// Wall-clock milliseconds since the epoch (challenge `ts`, ticks).
package func wallClockMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
