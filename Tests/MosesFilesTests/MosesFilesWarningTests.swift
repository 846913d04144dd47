import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import MosesFiles

/// What the watcher tells the operator about unusable MO§ES files, and how often.
@Suite struct MosesFilesWarningTests {
    static func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    /// Appends `text` to `path` with its own open/write/close (an inotify event each).
    static func append(_ text: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        precondition(descriptor >= 0)
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }

    /// An invalid state.json beside a file written 10,000 times (as the daemon's own store
    /// and WAL may be): one warning, and only versions of state.json itself are counted.
    @Test func invalidStateWarnsOnceWhileItsDirectoryChurns() throws {
        let directory = TemporaryDirectory()
        let statePath = directory.file("state.json")
        try #"{"mode": "chaos"}"#.write(toFile: statePath, atomically: true, encoding: .utf8)
        let handler = RecordingLogHandler()
        // A poll interval longer than the test: only inotify wakes the thread.
        let watcher = MosesFilesWatcher(
            ledgerPath: nil, statePath: statePath, pollIntervalMs: 600_000, logger: Logger(label: "test") { _ in handler }
        ) { _ in }
        watcher.start()
        defer { watcher.stop() }
        #expect(watcher.counters.stateRejected == 1, "the version found at start")
        for index in 0..<10_000 { Self.append("\(index)\n", to: directory.file("audit.db-wal")) }
        // Another broken version of state.json itself: counted, not warned about again.
        try #"{"mode": "still chaos"}"#.write(toFile: statePath, atomically: true, encoding: .utf8)
        #expect(Self.waitUntil { watcher.counters.stateRejected == 2 }, "\(watcher.counters)")
        // A third write of the other file after it, to be sure the churn has been seen.
        for index in 0..<100 { Self.append("\(index)\n", to: directory.file("audit.db-wal")) }
        try #"{"mode": "chaos again"}"#.write(toFile: statePath, atomically: true, encoding: .utf8)
        #expect(Self.waitUntil { watcher.counters.stateRejected == 3 }, "\(watcher.counters)")
        #expect(watcher.counters.stateRejected == 3)
        #expect(handler.warnings.count == 1, "\(handler.warnings.map(\.message))")
        #expect(handler.warnings.first?.message.contains("state file not usable") == true)

        // Usable again: the run of repeats is summarized, and the next breakage warns anew.
        try #"{"mode": "research"}"#.write(toFile: statePath, atomically: true, encoding: .utf8)
        #expect(Self.waitUntil { handler.all.contains { $0.metadata[MosesFilesLogKey.repeats] == "2" } }, "\(handler.all.map(\.message))")
        try "{broken".write(toFile: statePath, atomically: true, encoding: .utf8)
        #expect(Self.waitUntil { watcher.counters.stateRejected == 4 })
        #expect(Self.waitUntil { handler.warnings.count == 2 })
    }

    /// Lines that are not ledger entries are counted, the first warned about, the rest not;
    /// the good line after them is still reported.
    @Test func badLedgerLinesAreCountedAndWarnedOnce() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        try writer.append("primary")
        let handler = RecordingLogHandler()
        let entries = Mutex(0)
        let watcher = MosesFilesWatcher(
            ledgerPath: writer.path, statePath: nil, pollIntervalMs: 600_000, logger: Logger(label: "test") { _ in handler }
        ) { change in
            if case .ledger(.entry) = change { entries.withLock { $0 += 1 } }
        }
        watcher.start()
        defer { watcher.stop() }
        var junk = String(repeating: "{\"agent\": \n", count: 100)
        junk += String(repeating: "x", count: LedgerTail.maximumLineBytes + 10) + "\n"
        try writer.appendText(junk)
        try writer.append("secondary")
        #expect(Self.waitUntil { entries.withLock { $0 } == 1 })
        #expect(watcher.counters.ledgerLinesRejected == 101)
        #expect(watcher.counters.ledgerLinesOversized == 1)
        #expect(handler.warnings.count == 1, "\(handler.warnings.map(\.message))")
    }

    /// A run that goes on is summarized once per interval, with the number of repeats.
    @Test func repeatsAreSummarizedPerInterval() {
        let handler = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        var warning = RepeatedWarning(summaryIntervalMs: 1_000)
        for now in stride(from: Int64(0), to: 2_500, by: 10) {
            warning.warn("bad", kind: "state", metadata: [:], now: now, logger: logger)
        }
        // The first at 0, summaries at 1,000 and 2,000 (100 repeats each, the one logging
        // included), 49 left unreported.
        #expect(handler.warnings.count == 3)
        #expect(handler.warnings.dropFirst().map { $0.metadata[MosesFilesLogKey.repeats] } == ["100", "100"])
        #expect(warning.unreported == 49)
        warning.warn("other", kind: "ledger", metadata: [:], now: 2_500, logger: logger)
        #expect(handler.all.contains { $0.level == .notice && $0.metadata[MosesFilesLogKey.repeats] == "49" })
        #expect(handler.warnings.last?.message.hasPrefix("other") == true)
    }
}
