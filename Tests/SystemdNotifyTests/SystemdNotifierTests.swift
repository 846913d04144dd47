#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SystemdNotify

/// sd_notify messages arrive on a real local datagram socket, path and abstract.
struct SystemdNotifierTests {
    /// A bound `AF_UNIX` datagram socket standing in for systemd's notify socket.
    final class Receiver {
        let fd: Int32
        /// The `$NOTIFY_SOCKET` value that reaches it.
        let notifySocket: String
        private let filePath: String?

        init(abstract: Bool) throws {
            let name = "moses-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(fd >= 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes: [UInt8]
            if abstract {
                notifySocket = "@" + name
                filePath = nil
                bytes = [0] + Array(name.utf8)
            } else {
                let path = "/tmp/\(name).sock"
                notifySocket = path
                filePath = path
                bytes = Array(path.utf8) + [0]
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            try #require(result == 0, "bind failed: errno \(errno)")
        }

        deinit {
            close(fd)
            if let filePath { unlink(filePath) }
        }

        /// The next datagram, waiting at most `timeoutMs` for it; nil on timeout.
        func receive(timeoutMs: Int32 = 5_000) -> String? {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMs) == 1 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count >= 0 else { return nil }
            return String(decoding: buffer[..<count], as: UTF8.self)
        }
    }

    @Test(arguments: [false, true])
    func lifecycleMessagesArrive(abstract: Bool) throws {
        let receiver = try Receiver(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.notifySocket])
        #expect(notifier.isEnabled)
        try notifier.notify(.ready, .status("connected to ws://127.0.0.1:18789"))
        #expect(receiver.receive() == "READY=1\nSTATUS=connected to ws://127.0.0.1:18789")
        try notifier.notify(.watchdog)
        #expect(receiver.receive() == "WATCHDOG=1")
        try notifier.notify(.reloading)
        #expect(receiver.receive() == "RELOADING=1")
        try notifier.notify(.stopping, .status("stopping:\ndraining"))
        #expect(receiver.receive() == "STOPPING=1\nSTATUS=stopping: draining")
    }

    @Test func disabledWithoutNotifySocket() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        try notifier.notify(.ready)  // nothing to send to, and no error
        #expect(notifier.watchdogPingInterval == nil)
    }

    @Test func sendingToAMissingSocketThrows() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/tmp/no-such-notify-socket-\(getpid())"])
        #expect(throws: SystemdNotifyError.self) { try notifier.notify(.ready) }
    }

    @Test func watchdogIntervalIsHalfTheTimeoutAndOnlyForThisProcess() {
        let mine = SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"], processID: 42)
        #expect(mine.watchdogTimeout == .seconds(30))
        #expect(mine.watchdogPingInterval == .seconds(15))
        let unspecified = SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000"], processID: 42)
        #expect(unspecified.watchdogPingInterval == .seconds(1))
        let someoneElses = SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], processID: 42)
        #expect(someoneElses.watchdogTimeout == nil)
        let garbage = SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"], processID: 42)
        #expect(garbage.watchdogTimeout == nil)
    }
}
