import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
import MosesFiles

/// The watcher tells when the MO§ES ledger becomes readable, and when it has not been for
/// longer than the grace, so that audits are judged only when they can be.
@Suite struct LedgerReadableWatchTests {
    @Test func reportsTheLedgerAppearingAndGoing() throws {
        let directory = TemporaryDirectory()
        let ledger = directory.file("audit_ledger.jsonl")
        let reported = Mutex<[Bool]>([])
        let watcher = MosesFilesWatcher(
            ledgerPath: ledger, statePath: nil, pollIntervalMs: 50, ledgerGraceMs: 300,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        ) { change in
            if case .ledgerReadable(let isReadable) = change { reported.withLock { $0.append(isReadable) } }
        }
        #expect(!MosesFilesWatcher.isReadable(ledger))
        watcher.start(ledgerReadable: false)
        defer { watcher.stop() }
        _ = FileManager.default.createFile(atPath: ledger, contents: Data())
        #expect(MosesFilesWarningTests.waitUntil { reported.withLock { $0 } == [true] }, "\(reported.withLock { $0 })")
        try FileManager.default.removeItem(atPath: ledger)
        let removedAt = Date()
        #expect(MosesFilesWarningTests.waitUntil { reported.withLock { $0 } == [true, false] }, "\(reported.withLock { $0 })")
        #expect(Date().timeIntervalSince(removedAt) >= 0.3, "not before the grace")
    }
}
