#if canImport(Glibc)
import Glibc
#endif

/// A dedicated OS thread with a name, running one Swift closure: the one way this daemon
/// starts a long-lived thread (store writer, integrity monitor, delivery worker, files
/// watcher, every lws service thread). The name shows in `top -H`, `ps -L` and core dumps.
///
/// A value holding the pthread handle; whoever started the thread joins it once, from
/// another thread. `Sendable`: a `pthread_t` is an integer on Linux.
package struct NamedThread: Sendable {
    private let handle: pthread_t

    /// The kernel keeps 15 bytes of a thread's name (16 with the NUL); a longer name is cut.
    package static let maximumNameLength = 15

    /// Starts a thread named `name` running `body`; returns at once.
    ///
    /// Failing to start a thread (out of memory or the process's thread limit) traps: no
    /// caller can do its job without its thread, and it only happens at start-up.
    ///
    /// - Parameters:
    ///   - name: the thread's name, cut to `maximumNameLength` bytes.
    ///   - body: runs on the new thread; the thread ends when it returns. `sending`: it may
    ///     carry state built on the caller's thread (e.g. what was read at start), which the
    ///     caller gives up.
    package static func start(name: String, _ body: sending @escaping () -> Void) -> NamedThread {
        let start = ThreadStart(name: String(decoding: name.utf8.prefix(maximumNameLength), as: UTF8.self), body: body)
        // The new thread takes this retain and releases it when `body` returns.
        let argument = Unmanaged.passRetained(start).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, namedThreadMain, argument)
        guard code == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(argument).release()
            preconditionFailure("cannot start thread \(name): pthread_create returned \(code)")
        }
        return NamedThread(handle: handle)
    }

    /// Waits for the thread to end. Call once, from any other thread.
    package func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread end on its own, never joined: for work the caller may have to abandon
    /// (a service stop past its deadline). Call instead of `join`, once.
    package func detach() {
        pthread_detach(handle)
    }

    /// The calling thread's name, as the kernel holds it; empty if it cannot be read.
    package static var currentName: String {
        let descriptor = open(commPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: maximumNameLength + 2)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return "" }
        return String(decoding: buffer[..<count].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    /// The calling thread's name in procfs (proc(5)). Glibc's `pthread_setname_np` needs
    /// `_GNU_SOURCE`, which Swift's Glibc module does not define, and `prctl` is variadic,
    /// which Swift cannot call; the kernel file does the same without a C shim.
    static let commPath = "/proc/thread-self/comm"

    /// Names the calling thread; a name the kernel refuses leaves the thread unnamed.
    static func nameCurrentThread(_ name: String) {
        let descriptor = open(commPath, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = Array(name.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// What a new thread needs: its name and its closure. `@unchecked Sendable`: `body` is
/// handed over with `sending` (the starting thread keeps no access to it) and is run once,
/// on the new thread only.
private final class ThreadStart: @unchecked Sendable {
    let name: String
    let body: () -> Void

    init(name: String, body: @escaping () -> Void) {
        self.name = name
        self.body = body
    }
}

/// Every `NamedThread`'s entry point: a plain global function, as pthread needs a C function
/// pointer. The argument is the retained `ThreadStart`; this function releases it.
private func namedThreadMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let start = Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue()
    NamedThread.nameCurrentThread(start.name)
    start.body()
    return nil
}
