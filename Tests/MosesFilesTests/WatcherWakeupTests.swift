import AuditStore
import Foundation
import Logging
import Testing
import TestSupport
import MosesFiles

/// The watcher wakes for the files it follows, not for the rest of their directory: the
/// daemon's own store may sit beside the ledger and commits many times a second.
@Suite struct WatcherWakeupTests {
    /// A poll interval longer than any test: only inotify wakes the thread.
    static let noPoll: Int32 = 600_000

    static func watcher(ledger: String, state: String?, changes: MosesFilesWatcherTests.Changes) -> MosesFilesWatcher {
        MosesFilesWatcher(ledgerPath: ledger, statePath: state, pollIntervalMs: noPoll,
                          logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) { changes.append($0) }
    }

    static func hasEntry(_ agent: String, in changes: MosesFilesWatcherTests.Changes) -> Bool {
        changes.wait(seconds: 5) { items in
            items.contains { if case .ledger(.entry(let entry, _)) = $0 { entry.agent == agent } else { false } }
        }
    }

    /// 500 SQLite commits (WAL, synchronous=FULL) in the ledger's directory wake the watcher
    /// not once; the ledger line appended after them arrives, after at most two wake-ups.
    @Test func theStoreBesideTheLedgerDoesNotWakeTheWatcher() throws {
        let directory = TemporaryDirectory()
        var ledger = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        try ledger.append("primary")
        let database = try Database(path: directory.file("audit.db"), mode: .writer)
        defer { database.close() }
        try database.execute(sql: "CREATE TABLE churn(value INTEGER)")
        let changes = MosesFilesWatcherTests.Changes()
        let watcher = Self.watcher(ledger: ledger.path, state: directory.file("state.json"), changes: changes)
        watcher.start()
        defer { watcher.stop() }
        for value in 0..<500 { try database.execute(sql: "INSERT INTO churn VALUES (\(value))") }
        // inotify queues events in order: once the ledger line is in, the commits' events
        // (had there been any) were read before it.
        try ledger.append("secondary")
        #expect(Self.hasEntry("secondary", in: changes), "got \(changes.all)")
        #expect(watcher.counters.wakeups <= 2, "\(watcher.counters)")
    }

    /// Rotation (rename away, new file), deletion and re-creation are followed without the
    /// periodic look; the file renamed away stops waking the watcher once the new one is read.
    @Test func followsTheNameThroughRotationAndDeletion() throws {
        let directory = TemporaryDirectory()
        var ledger = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        try ledger.append("primary")
        let changes = MosesFilesWatcherTests.Changes()
        let watcher = Self.watcher(ledger: ledger.path, state: nil, changes: changes)
        watcher.start()
        defer { watcher.stop() }

        let rotated = directory.file("audit_ledger.jsonl.1")
        try FileManager.default.moveItem(atPath: ledger.path, toPath: rotated)
        try ledger.append("after rotation")
        #expect(Self.hasEntry("after rotation", in: changes), "got \(changes.all)")

        // The old file is finished: writes to it no longer wake the thread (its watch was removed).
        let settled = watcher.counters.wakeups
        for index in 0..<200 { MosesFilesWarningTests.append("\(index)\n", to: rotated) }
        try ledger.append("still followed")
        #expect(Self.hasEntry("still followed", in: changes), "got \(changes.all)")
        #expect(watcher.counters.wakeups - settled <= 2, "\(watcher.counters)")

        try FileManager.default.removeItem(atPath: ledger.path)
        ledger = LedgerWriter(path: ledger.path)
        try ledger.append("recreated")
        #expect(Self.hasEntry("recreated", in: changes), "got \(changes.all)")
        try ledger.append("appended to the recreated file")
        #expect(Self.hasEntry("appended to the recreated file", in: changes), "got \(changes.all)")
    }
}
