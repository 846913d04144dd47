#if canImport(Glibc)
import Glibc
#endif

/// Runs a closure on a new detached POSIX thread: for work the caller may have to abandon
/// (a service stop past its deadline), which a joined thread or a Swift task cannot offer.
enum DetachedThread {
    /// Starts `body` on its own thread and returns at once.
    static func run(_ body: @escaping @Sendable () -> Void) {
        // The thread owns one retain of the box (passRetained) and releases it when done.
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, detachedThreadMain, context)
        precondition(code == 0, "pthread_create failed: \(code)")
        pthread_detach(handle)
    }

    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// The thread's entry point: a plain global function, as pthread_create needs.
private func detachedThreadMain(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let box = Unmanaged<DetachedThread.Box>.fromOpaque(context!).takeRetainedValue()
    box.body()
    return nil
}
