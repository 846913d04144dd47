#if canImport(Glibc)
import Glibc
#endif
import Governance
import Synchronization
import Testing
import TestSupport
@testable import AuditStore

@Suite struct AuditWriterTests {
    @Test func storesEveryRecordKindAndNotifiesAfterCommit() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let seenOnDiskWhenNotified = Mutex<[Bool]>([])
        let writer = try AuditWriter(path: path, logger: Fixtures.logger) { batch in
            guard !batch.violations.isEmpty else { return }
            // Another connection must already see the violation: it was committed first.
            let reader = try? AuditDatabase.openReader(path: path)
            let stored = (try? reader?.count("violations")) ?? 0
            seenOnDiskWhenNotified.withLock { $0.append(stored == Int64(batch.violations.count)) }
        }
        for record in Fixtures.everyKind() { #expect(writer.enqueue(record) == .accepted) }
        try writer.flush()
        try writer.close()

        let reader = try AuditDatabase.openReader(path: path)
        for table in ["violations", "responses", "tool_calls", "ledger_entries", "state_changes", "conversations"] {
            #expect(try reader.count(table) == 1, "\(table)")
        }
        #expect(try reader.count("ledger") == 2)  // the violation and the daemon start
        #expect(try reader.singleInteger(sql: "SELECT value FROM stats WHERE name = 'moses_store_written_total'") == 8)
        #expect(try reader.singleText(sql: "SELECT action FROM ledger ORDER BY seq LIMIT 1") == "sequence_violation")
        #expect(seenOnDiskWhenNotified.withLock { $0 } == [true])
        #expect(writer.counters.written == 8)
        #expect(writer.counters.accepted == 8)
    }

    /// Replaying the same capture twice into one database adds nothing the second time.
    @Test func replayingTheSameRecordsTwiceAddsNoRows() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let records = Fixtures.everyKind() + (2...50).map { AuditRecord.violation(Fixtures.violation($0)) }
        var counts: [[Int64]] = []
        for _ in 0..<2 {
            let writer = try AuditWriter(path: path, logger: Fixtures.logger)
            for record in records { _ = writer.enqueue(record) }
            try writer.close()
            let reader = try AuditDatabase.openReader(path: path)
            counts.append(try ["violations", "responses", "tool_calls", "ledger_entries", "state_changes",
                               "conversations"].map { try reader.count($0) })
            if counts.count == 2 { #expect(writer.counters.duplicates == 54) }
        }
        #expect(counts[0] == [50, 1, 1, 1, 1, 1])
        #expect(counts[1] == counts[0])
        // The ledger gained only the second run's daemon start (lifecycle facts are not deduplicated).
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try reader.singleInteger(sql: "SELECT count(*) FROM ledger WHERE kind = 'violation'") == 50)
        #expect(try reader.singleInteger(sql: "SELECT count(*) FROM ledger WHERE kind = 'daemon'") == 2)
    }

    @Test func aFullBatchCommitsWithoutWaitingForTheWindow() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        var configuration = AuditWriter.Configuration()
        configuration.batchSize = 10
        configuration.batchIntervalMs = 600_000
        let writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        for index in 0..<25 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try waitUntil { try reader.count("violations") == 20 })
        #expect(writer.counters.batches == 2)
        try writer.flush()
        #expect(try reader.count("violations") == 25)
        try writer.close()
    }

    @Test func aPartialBatchCommitsWhenItsWindowEnds() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        var configuration = AuditWriter.Configuration()
        configuration.batchSize = 1_000
        configuration.batchIntervalMs = 20
        let writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        _ = writer.enqueue(.violation(Fixtures.violation(1)))
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try waitUntil { try reader.count("violations") == 1 })
        try writer.close()
    }

    @Test func blockPolicyWaitsForRoomAndLosesNothing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        var configuration = AuditWriter.Configuration()
        configuration.batchSize = 7
        configuration.queueCapacity = 3
        configuration.overflowPolicy = .block
        let writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        for index in 0..<500 { #expect(writer.enqueue(.violation(Fixtures.violation(index))) == .accepted) }
        try writer.close()
        #expect(writer.counters.dropped == 0)
        #expect(try AuditDatabase.openReader(path: path).count("violations") == 500)
    }

    @Test func openingBadFilesIsAClearError() throws {
        let directory = TemporaryDirectory()
        let garbage = directory.file("garbage.db")
        let file = fopen(garbage, "w")!
        fputs(String(repeating: "this is not a database\n", count: 200), file)
        fclose(file)
        #expect {
            _ = try AuditWriter(path: garbage, logger: Fixtures.logger)
        } throws: { error in
            (error as? DatabaseError)?.code ~= .notADatabase && String(describing: error).contains(garbage)
        }
        let nowhere = directory.file("missing-dir/store.db")
        #expect {
            _ = try AuditWriter(path: nowhere, logger: Fixtures.logger)
        } throws: { error in
            (error as? DatabaseError)?.code ~= .cannotOpen && String(describing: error).contains(nowhere)
        }
    }

    @Test func aLockedDatabaseIsAClearError() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("locked.db")
        // Another connection holds the file in exclusive locking mode.
        let other = try Database(path: path, mode: .writer)
        try other.execute(sql: "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE t (x); COMMIT;")
        var configuration = AuditWriter.Configuration()
        configuration.busyTimeoutMs = 50
        #expect {
            _ = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        } throws: { error in
            (error as? DatabaseError)?.code ~= .busy && String(describing: error).contains(path)
        }
    }
}
