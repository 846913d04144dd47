#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The systemd notification protocol (`sd_notify(3)`) without libsystemd: each message is
/// one datagram of `KEY=value` lines sent to the `AF_UNIX` socket named by `$NOTIFY_SOCKET`
/// (a path, or an abstract name written with a leading `@`).
///
/// A value type holding only the socket address and the watchdog timeout read from the
/// environment at start; each `notify` opens, sends on and closes its own socket, so any
/// thread may use it. With no `$NOTIFY_SOCKET` (not started by systemd as `Type=notify`),
/// `notify` does nothing.
package struct SystemdNotifier: Sendable {
    /// One assignment in a notification.
    package enum State: Sendable, Equatable {
        /// `READY=1`: start-up is finished (the store is open, the first connect has begun).
        case ready
        /// `RELOADING=1`: a configuration reload started; send `ready` when it is done.
        case reloading
        /// `STOPPING=1`: shutdown has begun.
        case stopping
        /// `WATCHDOG=1`: the service is alive and making progress.
        case watchdog
        /// `STATUS=…`: one line for `systemctl status` (newlines become spaces).
        case status(String)
        /// `ERRNO=…`: the reason for a failure, as an errno number.
        case errno(Int32)

        var line: String {
            switch self {
            case .ready: return "READY=1"
            case .reloading: return "RELOADING=1"
            case .stopping: return "STOPPING=1"
            case .watchdog: return "WATCHDOG=1"
            case .status(let text):
                return "STATUS=" + String(text.map { $0.isNewline ? " " : $0 })
            case .errno(let code): return "ERRNO=\(code)"
            }
        }
    }

    /// The socket `$NOTIFY_SOCKET` names, or nil when not run by systemd with notify.
    package let socketPath: String?
    /// `$WATCHDOG_USEC` when it is meant for this process (`$WATCHDOG_PID` unset or ours):
    /// systemd kills the service if no `WATCHDOG=1` arrives within it.
    package let watchdogTimeout: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    ///
    /// - Parameters:
    ///   - environment: the process environment (a dictionary, so tests can pass their own).
    ///   - processID: this process's id, compared with `WATCHDOG_PID`.
    package init(environment: [String: String], processID: Int32 = getpid()) {
        let path = environment["NOTIFY_SOCKET"] ?? ""
        socketPath = path.isEmpty ? nil : path
        if let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0,
           environment["WATCHDOG_PID"].map({ Int32($0) == processID }) ?? true {
            watchdogTimeout = .microseconds(microseconds)
        } else {
            watchdogTimeout = nil
        }
    }

    /// A notifier configured from this process's environment.
    package static func fromProcessEnvironment() -> SystemdNotifier {
        var environment: [String: String] = [:]
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        return SystemdNotifier(environment: environment)
    }

    /// True when notifications go somewhere.
    package var isEnabled: Bool { socketPath != nil }

    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) advises,
    /// or nil when systemd does not watch this process.
    package var watchdogPingInterval: Duration? {
        watchdogTimeout.map { $0 / 2 }
    }

    /// Sends `states` as one datagram (`READY=1\nSTATUS=…`). Does nothing when disabled.
    ///
    /// - Throws: `SystemdNotifyError` when the socket cannot be created or the datagram is
    ///   not accepted (for instance systemd is gone); callers log it and carry on.
    package func notify(_ states: State...) throws(SystemdNotifyError) {
        try notify(states)
    }

    /// Sends `states` as one datagram. Does nothing when disabled or `states` is empty.
    package func notify(_ states: [State]) throws(SystemdNotifyError) {
        guard let socketPath, !states.isEmpty else { return }
        let message = states.map(\.line).joined(separator: "\n")
        try Self.send(message, to: socketPath)
    }

    private static func send(_ message: String, to path: String) throws(SystemdNotifyError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        let isAbstract = pathBytes.first == UInt8(ascii: "@")
        if isAbstract { pathBytes[0] = 0 }  // abstract namespace: leading NUL, no terminator
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw .addressTooLong(path: path) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        let length = socklen_t(pathOffset + pathBytes.count + (isAbstract ? 0 : 1))

        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw .system(operation: "socket", code: errno) }
        defer { close(fd) }
        let bytes = Array(message.utf8)
        while true {
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    bytes.withUnsafeBytes { buffer in
                        sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                    }
                }
            }
            if sent >= 0 { return }
            if errno == EINTR { continue }
            throw .system(operation: "sendto \(path)", code: errno)
        }
    }
}

/// Why a notification could not be sent.
package enum SystemdNotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `$NOTIFY_SOCKET` is longer than `sockaddr_un` can hold.
    case addressTooLong(path: String)
    /// A system call failed with `code` (errno).
    case system(operation: String, code: Int32)

    package var description: String {
        switch self {
        case .addressTooLong(let path):
            return "NOTIFY_SOCKET \(path) is too long for a unix socket address"
        case .system(let operation, let code):
            return "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
