import AuditStore
import Daemon
import Logging
import Runtime
import Synchronization
import Testing
import TestSupport

@Suite struct ServiceGroupTests {
    /// What the services did, in order ("start a", "stop b").
    final class Journal: Sendable {
        let steps = Mutex<[String]>([])
        func note(_ step: String) { steps.withLock { $0.append(step) } }
        var all: [String] { steps.withLock { $0 } }
    }

    struct Failure: Error {}

    /// A service that notes its start and stop, and fails either when told to.
    final class RecordingService: Service {
        let name: String
        let journal: Journal
        let startFails: Bool
        let stopFails: Bool

        init(_ name: String, journal: Journal, startFails: Bool = false, stopFails: Bool = false) {
            self.name = name
            self.journal = journal
            self.startFails = startFails
            self.stopFails = stopFails
        }

        func start() throws {
            journal.note("start \(name)")
            if startFails { throw Failure() }
        }

        func stop() throws {
            journal.note("stop \(name)")
            if stopFails { throw Failure() }
        }
    }

    /// A service whose stop blocks until the test releases it.
    final class StuckService: Service, @unchecked Sendable {
        let name = "stuck"
        private let lock = ConditionLock()
        private var isReleased = false  // guarded by lock

        func start() {}
        func stop() {
            lock.withLock {
                while !isReleased { lock.waitForWork() }
            }
        }

        func release() {
            lock.withLock {
                isReleased = true
                lock.signalWork()
            }
        }
    }

    @Test func startsInOrderAndStopsInReverse() throws {
        let journal = Journal()
        let group = ServiceGroup(["a", "b", "c"].map { RecordingService($0, journal: journal) }, logger: Logger(label: "test"))
        try group.start()
        #expect(journal.all == ["start a", "start b", "start c"])
        let failures = group.stop()
        #expect(failures.isEmpty)
        #expect(journal.all == ["start a", "start b", "start c", "stop c", "stop b", "stop a"])
    }

    @Test func failingStopDoesNotSkipTheLaterOnes() throws {
        let journal = Journal()
        let group = ServiceGroup(
            [RecordingService("a", journal: journal), RecordingService("b", journal: journal, stopFails: true), RecordingService("c", journal: journal)],
            logger: Logger(label: "test"))
        try group.start()
        let failures = group.stop()
        #expect(journal.all.suffix(3) == ["stop c", "stop b", "stop a"])
        #expect(failures.map(\.service) == ["b"])
        #expect(failures.first?.error is Failure)
    }

    @Test func failingStartStopsWhatStartedAndRethrows() {
        let journal = Journal()
        let group = ServiceGroup(
            [RecordingService("a", journal: journal), RecordingService("b", journal: journal), RecordingService("c", journal: journal, startFails: true)],
            logger: Logger(label: "test"))
        #expect(throws: Failure.self) { try group.start() }
        #expect(journal.all == ["start a", "start b", "start c", "stop b", "stop a"])
    }

    @Test func serviceThatNeverStopsIsAbandonedAtTheDeadline() throws {
        let journal = Journal()
        let stuck = StuckService()
        defer { stuck.release() }
        let recording = RecordingLogHandler()
        let group = ServiceGroup(
            [RecordingService("a", journal: journal), stuck, RecordingService("c", journal: journal)],
            stopDeadline: .milliseconds(200), logger: Logger(label: "test") { _ in recording })
        try group.start()
        let failures = group.stop()
        #expect(journal.all.suffix(2) == ["stop c", "stop a"])
        #expect(failures.map(\.service) == ["stuck"])
        #expect(failures.first?.error == nil)
        let abandoned = recording.all.filter { $0.message == "service did not stop within the deadline; abandoned" }
        #expect(abandoned.map(\.level) == [.error])
        #expect(abandoned.first?.metadata["service"] == "stuck")
    }
}
