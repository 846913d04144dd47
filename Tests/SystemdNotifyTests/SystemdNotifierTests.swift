#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import SystemdNotify

/// sd_notify messages arrive on a real local datagram socket, path and abstract.
struct SystemdNotifierTests {
    /// A notify socket with a fresh name, as a file or in the abstract namespace.
    static func makeReceiver(abstract: Bool) throws -> NotifySocket {
        let name = "moses-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        return try NotifySocket(path: abstract ? "@" + name : "/tmp/\(name).sock")
    }

    @Test(arguments: [false, true])
    func lifecycleMessagesArrive(abstract: Bool) throws {
        let receiver = try Self.makeReceiver(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.path])
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
