#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Governance
import Synchronization
import Testing
import TestSupport
import WireFormats
@testable import AuditStore

/// The store's integrity check: a bounded `quick_check` and the ledger chain from the last
/// verified row, at start (`run --dry-run` refuses a bad store) and periodically.
@Suite struct StoreIntegrityTests {
    /// A store with enough rows that its middle pages hold table and index data.
    static func makeLargerStore(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("store.db")
        let writer = try AuditWriter(path: path, logger: Fixtures.logger)
        for index in 0..<3_000 {
            _ = writer.enqueue(.violation(Fixtures.violation(index, conversation: "discord:group:\(index % 37)")))
        }
        try writer.close()
        return path
    }

    /// Overwrites `count` pages around the middle of the file with random bytes, as a bad
    /// disk or a stray writer would (the store must be closed: no WAL left).
    static func overwriteMiddlePages(of path: String, count: Int) throws {
        let descriptor = open(path, O_RDWR)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var status = stat()
        try #require(fstat(descriptor, &status) == 0)
        let pageSize = 4_096
        let pages = Int(status.st_size) / pageSize
        try #require(pages > count * 4, "the store has only \(pages) pages")
        var random = SplitMix64(seed: 0x5EED)
        for page in (pages / 2)..<(pages / 2 + count) {
            let bytes = (0..<pageSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, pageSize, off_t(page * pageSize)) }
            try #require(written == pageSize)
        }
    }

    @Test func aSoundStoreIsVerifiedOnceThenOnlyItsNewRows() throws {
        let directory = TemporaryDirectory()
        let path = try LedgerExportTests.makeStore(in: directory)
        let check = try StoreIntegrityCheck(path: path)
        let first = check.check(pages: true)
        #expect(!first.isCorrupt && first.didCheckPages && first.isPageCheckComplete, "\(first)")
        #expect(first.rowsVerified == 41 && first.lastVerified?.seq == 41)
        let again = check.check(pages: false)
        #expect(again.rowsVerified == 0 && again.lastVerified?.seq == 41 && !again.isCorrupt)
        check.close()

        let writer = try AuditWriter(path: path, logger: Fixtures.logger)
        for index in 100..<105 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        try writer.close()
        // A new connection resumes from the persisted row.
        let resumed = try StoreIntegrityCheck(path: path).check(pages: false)
        #expect(resumed.rowsVerified == 5 && resumed.lastVerified?.seq == 46 && !resumed.isCorrupt, "\(resumed)")
    }

    @Test func aTamperedRowAfterTheCheckpointAndAChangedCheckpointRowAreFound() throws {
        let directory = TemporaryDirectory()
        let path = try LedgerExportTests.makeStore(in: directory)
        var limits = StoreIntegrityCheck.Limits()
        limits.chainChunkRows = 7
        let check = try StoreIntegrityCheck(path: path, limits: limits)
        #expect(check.check(pages: false).rowsVerified == 41)
        let writer = try AuditWriter(path: path, logger: Fixtures.logger)
        for index in 100..<120 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        try writer.close()
        try LedgerExportTests.tamper(path, seq: 50)
        let found = check.check(pages: false)
        #expect(found.isCorrupt)
        #expect(found.chainBreak?.seq == 50 && found.chainBreak?.reason.contains("hash mismatch") == true, "\(found)")
        // The checkpoint stopped before the break (chunks of 7 from 41: 48 is the last good one).
        #expect(found.lastVerified?.seq == 48)
        #expect(check.check(pages: false).chainBreak?.seq == 50, "the break is found again")

        // The checkpoint row itself: its content, then its stored hash.
        try LedgerExportTests.tamper(path, seq: 48)
        let altered = check.check(pages: false)
        #expect(altered.chainBreak?.seq == 48 && altered.chainBreak?.reason.contains("hash mismatch") == true, "\(altered)")
        do {
            let database = try Database(path: path, mode: .writer)
            try database.execute(sql: "UPDATE ledger SET hash = 'forged' WHERE seq = 48")
        }
        let rehashed = check.check(pages: false)
        #expect(rehashed.chainBreak?.reason.contains("now has hash forged") == true, "\(rehashed)")
    }

    @Test func overwrittenPagesAreFoundByTheBoundedPageCheck() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeLargerStore(in: directory)
        try Self.overwriteMiddlePages(of: path, count: 4)
        let report = try StoreIntegrityCheck(path: path).check(pages: true)
        #expect(report.isCorrupt && !report.pageProblems.isEmpty, "\(report)")
    }

    @Test func theStartCheckIsBoundedInTime() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeLargerStore(in: directory)
        var limits = StoreIntegrityCheck.Limits()
        limits.quickCheckNanoseconds = 1
        limits.chainChunkRows = 100
        let check = try StoreIntegrityCheck(path: path, limits: limits)
        let bounded = check.check(pages: true, chainBudgetNanoseconds: 0)
        #expect(!bounded.isCorrupt && !bounded.isPageCheckComplete && !bounded.isChainCheckComplete, "\(bounded)")
        #expect(bounded.rowsVerified == 100)
        let rest = check.check(pages: false)
        #expect(rest.isChainCheckComplete && rest.rowsVerified == 2_900 && rest.lastVerified?.seq == 3_000)
    }

    @Test func theMonitorReportsATamperedRowWhileRunning() async throws {
        let directory = TemporaryDirectory()
        let path = try LedgerExportTests.makeStore(in: directory)
        var schedule = StoreIntegrityMonitor.Schedule()
        schedule.intervalNanoseconds = 50_000_000
        let monitor = try StoreIntegrityMonitor(path: path, schedule: schedule, logger: Fixtures.logger)
        #expect(!monitor.checkAtStart().isCorrupt)
        let reports = Mutex<[StoreIntegrityReport]>([])
        monitor.start { report in reports.withLock { $0.append(report) } }
        defer { monitor.stop() }
        let writer = try AuditWriter(path: path, logger: Fixtures.logger)
        for index in 100..<110 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        try writer.close()
        try LedgerExportTests.tamper(path, seq: 45)
        let deadline = ContinuousClock.now + .seconds(20)
        while reports.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let first = try #require(reports.withLock { $0.first })
        #expect(first.chainBreak?.seq == 45)
        #expect(monitor.isCorrupt)
        let counters = monitor.counters
        #expect(counters.checks >= 2 && counters.failures >= 1)
        #expect(counters.named.contains { $0.name == "moses_store_integrity_checks_total" })
    }

    @Test func aCorruptionErrorFromTheWriterSetsTheFlagAtOnce() throws {
        let directory = TemporaryDirectory()
        let path = try LedgerExportTests.makeStore(in: directory)
        let monitor = try StoreIntegrityMonitor(path: path, logger: Fixtures.logger)
        defer { monitor.stop() }
        monitor.noteStoreError(DatabaseError(code: .busy, message: "database is locked", operation: "step"))
        #expect(!monitor.isCorrupt)
        monitor.noteStoreError(DatabaseError(code: .corrupt, message: "database disk image is malformed", operation: "step"))
        #expect(monitor.isCorrupt && monitor.counters.corruptionErrors == 1)
    }

    // MARK: The built binary

    static func dryRun(_ db: String, in directory: TemporaryDirectory) throws -> StoreCommandTests.Outcome {
        try StoreCommandTests.run(
            ["run", "--dry-run", "--db", db, "--identity", directory.file("identity.json")], in: directory)
    }

    @Test func dryRunRefusesAStoreWithOverwrittenPages() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeLargerStore(in: directory)
        let sound = try Self.dryRun(path, in: directory)
        #expect(sound.status == 0, "\(sound.stderr)")
        try Self.overwriteMiddlePages(of: path, count: 4)
        let result = try Self.dryRun(path, in: directory)
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stderr.contains("the audit store \(path) is corrupt"), "\(result.stderr)")
        #expect(!result.stdout.contains(": ok"))
    }

    @Test func dryRunRefusesATamperedChain() throws {
        let directory = TemporaryDirectory()
        let path = try LedgerExportTests.makeStore(in: directory)
        try LedgerExportTests.tamper(path, seq: 9)
        let result = try Self.dryRun(path, in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("ledger chain broken at row 9 (seq 9): hash mismatch"), "\(result.stderr)")
    }

    /// A running daemon (no gateway to reach: it keeps retrying) checks its chain every 0.2 s
    /// and says so loudly when a row is altered under it.
    @Test func aRunningDaemonReportsATamperedRow() async throws {
        let directory = TemporaryDirectory()
        let db = directory.file("audit.db")
        let stderrPath = directory.file("run.err")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ExportMemoryTests.binary)
        let config = directory.file("coordinator.yaml")
        try "metrics:\n  address: \"127.0.0.1:0\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        process.arguments = [
            "run", "--config", config, "--db", db, "--identity", directory.file("identity.json"),
            "--gateway", "ws://127.0.0.1:9", "--store-check-interval", "0.2",
        ]
        let notify = try NotifySocket(path: directory.file("notify.sock"))
        process.environment = ["NOTIFY_SOCKET": notify.path, "HOME": directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        func stderr() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
        func ledgerRows() -> Int64 {
            (try? AuditDatabase.openReader(path: db).singleInteger(sql: "SELECT count(*) FROM ledger")) ?? 0
        }
        var deadline = ContinuousClock.now + .seconds(20)
        while ledgerRows() < 1 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(ledgerRows() >= 1, "\(stderr())")
        let metricsPort = Int(stderr().components(separatedBy: "metrics.port=").last?.prefix(while: \.isNumber) ?? "") ?? 0
        let before = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
        #expect(before.contains("\nmoses_store_corrupt 0\n"), "\(before.prefix(2_000))")
        #expect(before.contains("\nmoses_store_integrity_checks_total "))
        try LedgerExportTests.tamper(db, seq: 1)
        deadline = ContinuousClock.now + .seconds(20)
        while !stderr().contains("the audit store is corrupt") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(stderr().contains("the audit store is corrupt"), "\(stderr())")
        #expect(stderr().contains("ledger chain broken at row 1 (seq 1)"))
        #expect(process.isRunning, "corruption is reported, not fatal")
        var statusLines: [String] = []
        while let message = notify.receive(timeoutMs: 5_000) {
            statusLines.append(message)
            if message.contains("STATUS=audit store corrupt: ledger chain broken at row 1 (seq 1)") { break }
        }
        #expect(statusLines.last?.contains("STATUS=audit store corrupt: ledger chain broken at row 1 (seq 1)") == true, "\(statusLines)")
        let after = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
        #expect(after.contains("\nmoses_store_corrupt 1\n"), "\(after.prefix(2_000))")
        #expect(!after.contains("\nmoses_store_integrity_failures_total 0\n"))
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr())")
    }
}
