#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Runtime
import Synchronization

/// Turns SIGINT/SIGTERM into a byte on a pipe the main thread waits on (the self-pipe
/// trick: the handler only writes, which is async-signal-safe).
///
/// Both ends are close-on-exec, so no child inherits them; and a byte counts only when the
/// handler (or `notify`) also raised its bit in `signalPipePending`: a byte written by
/// anyone else is read and ignored, so it can neither stop the daemon nor fake a halt.
package struct SignalPipe {
    private let readEnd: Int32

    /// Called before any thread starts, so no spawn can catch the ends before they are
    /// marked close-on-exec (`pipe2` is a GNU extension Swift's Glibc does not import).
    package init(signals: [Int32]) throws(SignalPipeError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SignalPipeError(errno: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        readEnd = ends[0]
        signalPipeWriteEnd.store(ends[1], ordering: .relaxed)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = signalPipeHandler
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    /// Wakes `wait()` with `byte` from any thread.
    package static func notify(_ byte: UInt8) {
        signalPipePending.bitwiseOr(signalPipeBit(byte), ordering: .sequentiallyConsistent)
        var value = byte
        _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &value, 1)
    }

    /// What `wait(timeoutMs:)` returns when the time ran out.
    package static let timedOut: Int32 = -1

    /// Blocks until a signal (or `notify`) arrives or `timeoutMs` passes (nil: forever);
    /// returns the signal's number (or byte), or `timedOut`.
    package func wait(timeoutMs: Int32?) -> Int32 {
        guard let timeoutMs else { return wait() }
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let deadline = ContinuousClock.now + .milliseconds(max(0, timeoutMs))
        while true {
            let left = Int32(clamping: max(0, ContinuousClock.now.duration(to: deadline).wholeMilliseconds))
            let ready = poll(&descriptor, 1, left)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return Self.timedOut }
            if let byte = readRaised() { return byte }
        }
    }

    /// Blocks until a signal (or `notify`) arrives; returns its number (or byte).
    package func wait() -> Int32 {
        while true {
            if let byte = readRaised() { return byte }
        }
    }

    /// Reads one byte; its value when its bit was raised (clearing it), nil when forged.
    private func readRaised() -> Int32? {
        var byte: UInt8 = 0
        while true {
            let count = read(readEnd, &byte, 1)
            if count == 1 { break }
            if count < 0 && errno == EINTR { continue }
            return 0
        }
        let bit = signalPipeBit(byte)
        let (old, _) = signalPipePending.bitwiseAnd(~bit, ordering: .sequentiallyConsistent)
        return old & bit != 0 ? Int32(byte) : nil
    }
}

/// The pipe's write end for the handler (an atomic: readable from a signal handler).
let signalPipeWriteEnd = Atomic<Int32>(-1)

/// One bit per byte raised and not yet read (signal numbers are below 64; other bytes share
/// bit 0, which no signal uses). Lock-free, so the handler may set it.
let signalPipePending = Atomic<UInt64>(0)

/// The bit of `signalPipePending` that vouches for `byte`.
func signalPipeBit(_ byte: UInt8) -> UInt64 {
    byte > 0 && byte < 64 ? 1 << UInt64(byte) : 1
}

/// The signal handler: a plain global function writing the signal number to the pipe.
func signalPipeHandler(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    signalPipePending.bitwiseOr(signalPipeBit(byte), ordering: .sequentiallyConsistent)
    _ = write(signalPipeWriteEnd.load(ordering: .relaxed), &byte, 1)
}

/// The signal pipe could not be made (the process is out of descriptors).
package struct SignalPipeError: Error, CustomStringConvertible {
    package var errno: Int32
    package var description: String { "cannot make the signal pipe: \(String(cString: strerror(errno))) (errno \(errno))" }
}
