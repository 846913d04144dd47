import AuditStore
import Foundation
import Testing
import TestSupport
@testable import MosesFiles

/// The watches on one followed file, read straight from inotify: the kernel queues an event
/// before the write that causes it returns, so "nothing queued" is checked without waiting.
@Suite struct FollowedFileWatchTests {
    /// An inotify instance and the watches on one file in it.
    final class Fixture {
        let notify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        var watch: FollowedFileWatch!

        init(path: String) {
            precondition(notify >= 0)
            watch = FollowedFileWatch(path: path, notify: notify)
        }

        deinit { close(notify) }

        /// Reads what is queued, hands each event to the watch; the number of events and
        /// of those that concern the followed file.
        func drain() -> (events: Int, followed: Int) {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var events = 0, followed = 0
            while true {
                let count = buffer.withUnsafeMutableBytes { read(notify, $0.baseAddress, $0.count) }
                guard count > 0 else { return (events, followed) }
                buffer.withUnsafeBytes { raw in
                    WatchLoop.forEachEvent(in: UnsafeRawBufferPointer(rebasing: raw[0..<count])) { wd, name, mask in
                        events += 1
                        if watch.handle(watch: wd, name: name, mask: mask, notify: notify) { followed += 1 }
                    }
                }
            }
        }
    }

    /// 300 SQLite commits (WAL, synchronous=FULL, the store's own settings) beside the
    /// ledger queue no event at all; an append to the ledger does.
    @Test func storeCommitsBesideTheFileQueueNothing() throws {
        let directory = TemporaryDirectory()
        let ledger = directory.file("audit_ledger.jsonl")
        MosesFilesWarningTests.append("first\n", to: ledger)
        let database = try Database(path: directory.file("audit.db"), mode: .writer)
        defer { database.close() }
        try database.execute(sql: "CREATE TABLE churn(value INTEGER)")
        let fixture = Fixture(path: ledger)
        for value in 0..<300 { try database.execute(sql: "INSERT INTO churn VALUES (\(value))") }
        #expect(fixture.drain().events == 0)
        MosesFilesWarningTests.append("second\n", to: ledger)
        #expect(fixture.drain().followed >= 1)
    }

    /// After a rotation the watch follows the new file; the file renamed away, finished by
    /// the tail, queues nothing more (its watch was removed: IN_IGNORED, then silence).
    @Test func rotationMovesTheFileWatch() throws {
        let directory = TemporaryDirectory()
        let ledger = directory.file("audit_ledger.jsonl"), rotated = directory.file("audit_ledger.jsonl.1")
        MosesFilesWarningTests.append("first\n", to: ledger)
        let fixture = Fixture(path: ledger)
        let firstWatch = try #require(fixture.watch.fileWatch)
        #expect(rename(ledger, rotated) == 0)
        MosesFilesWarningTests.append("still the old file\n", to: rotated)
        #expect(fixture.drain().followed == 2, "the name going, and the old file's content until a new one comes")
        MosesFilesWarningTests.append("new file\n", to: ledger)
        // The new file was written before its watch existed: the name's event is what tells.
        #expect(fixture.drain().followed >= 1, "the name coming back")
        #expect(fixture.watch.fileWatch != firstWatch)
        for index in 0..<50 { MosesFilesWarningTests.append("\(index)\n", to: rotated) }
        #expect(fixture.drain().events == 0)
        MosesFilesWarningTests.append("more\n", to: ledger)
        #expect(fixture.drain().followed == 1)
    }

    /// A deleted file's watch is dropped by the kernel (IN_IGNORED) and forgotten; the
    /// file created again under the name is watched.
    @Test func deletionAndRecreation() throws {
        let directory = TemporaryDirectory()
        let ledger = directory.file("audit_ledger.jsonl")
        MosesFilesWarningTests.append("first\n", to: ledger)
        let fixture = Fixture(path: ledger)
        #expect(fixture.watch.fileWatch != nil)
        #expect(unlink(ledger) == 0)
        #expect(fixture.drain().followed >= 1)
        #expect(fixture.watch.fileWatch == nil, "IN_IGNORED: the kernel removed the watch")
        MosesFilesWarningTests.append("again\n", to: ledger)
        #expect(fixture.drain().followed >= 1)
        #expect(fixture.watch.fileWatch != nil)
        MosesFilesWarningTests.append("more\n", to: ledger)
        #expect(fixture.drain().followed == 1)
    }
}
