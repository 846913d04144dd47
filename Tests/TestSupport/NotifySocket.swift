#if canImport(Glibc)
import Glibc
#endif

/// A bound `AF_UNIX` datagram socket standing in for systemd's notify socket: give its
/// `path` to a daemon as `NOTIFY_SOCKET` and read what it reports.
/// Owned by one test; not `Sendable`.
package final class NotifySocket {
    /// The `NOTIFY_SOCKET` value that reaches it: a file path, or `@name` for an abstract socket.
    package let path: String
    private let fd: Int32
    private let isAbstract: Bool

    /// A socket that could not be made or bound, with the errno.
    package struct SetupError: Error, CustomStringConvertible {
        package var operation: String
        package var code: Int32
        package var description: String { "notify socket: \(operation) failed: errno \(code)" }
    }

    /// - Parameter path: a file path, or `@name` for a socket in the abstract namespace
    ///   (no file; systemd's notation).
    package init(path: String) throws(SetupError) {
        self.path = path
        isAbstract = path.hasPrefix("@")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SetupError(operation: "socket", code: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // An abstract name starts with a NUL byte and has no terminator.
        let bytes = isAbstract ? [0] + Array(path.utf8.dropFirst()) : Array(path.utf8) + [0]
        guard bytes.count <= MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SetupError(operation: "bind (path too long)", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw SetupError(operation: "bind", code: code)
        }
    }

    deinit {
        close(fd)
        if !isAbstract { unlink(path) }
    }

    /// The next datagram, waiting at most `timeoutMs` for it; nil on timeout.
    package func receive(timeoutMs: Int32 = 5_000) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
