#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import Testing
import TestSupport
@testable import AuditStore

/// `query`'s bounds, run as the built binary: a time limit, a memory limit, and no
/// pointer-leaking functions.
@Suite struct QueryLimitsTests {
    /// Never ends on its own: counts forever.
    static let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

    @Test func anEndlessQueryIsStoppedAtItsTimeout() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let started = ContinuousClock.now
        let result = try StoreCommandTests.run(["query", "--db", db, "--timeout", "1", Self.endless], in: directory)
        let elapsedMs = started.duration(to: .now).wholeMilliseconds
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("query stopped: the statement was stopped after its time limit of 1 s"), "\(result.stderr)")
        // A second for the query plus the process's start; far below "forever".
        #expect(elapsedMs < 10_000, "took \(elapsedMs) ms")
    }

    /// The reason the limit matters to the daemon: a read held open stops every checkpoint
    /// from copying the WAL's newer frames back. While the query runs, a checkpoint stops
    /// short of the frames committed after its snapshot; once
    /// the timeout ends it, the checkpoint copies every frame.
    @Test func theTimeoutReleasesTheReadThatHeldCheckpointsBack() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let writer = try AuditWriter(path: db, logger: Fixtures.logger)
        defer { try? writer.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ExportMemoryTests.binary)
        // Reads `violations` inside the endless loop, so its snapshot stays open.
        process.arguments = [
            "query", "--db", db, "--timeout", "2",
            "WITH RECURSIVE c(x) AS (SELECT (SELECT count(*) FROM violations) UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpointer = try Database(path: db, mode: .writer)
        /// PASSIVE: never waits; reports frames in the WAL and frames it could copy.
        func checkpointStopsShort() throws -> Bool {
            let statement = try checkpointer.makeStatement(sql: "PRAGMA wal_checkpoint(PASSIVE)")
            #expect(try statement.step())
            return statement.integer(at: 2) < statement.integer(at: 1)
        }
        // Wait for the query to hold its snapshot, with new commits behind it.
        var sawBlocked = false
        let deadline = ContinuousClock.now + .seconds(10)
        var index = 100
        while process.isRunning && ContinuousClock.now < deadline {
            _ = writer.enqueue(.violation(Fixtures.violation(index)))
            index += 1
            try writer.flush()
            if try checkpointStopsShort() {
                sawBlocked = true
                break
            }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        #expect(sawBlocked, "the query never held a checkpoint back")
        #expect(try !checkpointStopsShort())
    }

    /// SQLite builds the 2 GB string in memory without a cap. With `SQLITE_LIMIT_LENGTH` at
    /// 16 MiB, the append fails there: SQLite 3.40's `printf()` then yields NULL (it swallows
    /// its own "too big") and its loop runs on over the remaining count without allocating.
    @Test func aHugePrintfStaysWithinTheLengthCap() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let sql = "SELECT printf('%.*c', 2e9, 'x') IS NULL AS capped"
        let result = try StoreCommandTests.run(["query", "--db", db, "--format", "csv", sql], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "capped\n1\n")
        let measured = try ExportMemoryTests.run(["query", "--db", db, sql])
        #expect(measured.status == 0)
        // 2 GB without the cap; with it, the 16 MiB string and the process itself.
        #expect(measured.peakKB < 96 * 1024, "peak RSS \(measured.peakKB) kB")
        // Where a value is returned, the cap is an error.
        let direct = try StoreCommandTests.run(["query", "--db", db, "SELECT length(zeroblob(20000000))"], in: directory)
        #expect(direct.status == 1)
        #expect(direct.stderr.contains("string or blob too big"), "\(direct.stderr)")
    }

    @Test func theMemoryLimitStopsAStatementThatOutgrowsIt() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        // Two blobs and their concatenation alive at once: about 30 MB of SQLite heap.
        let sql = "SELECT typeof(randomblob(12000000) || randomblob(3000000)) AS kind"
        let small = try StoreCommandTests.run(["query", "--db", db, "--max-memory", "16", "--format", "csv", sql], in: directory)
        #expect(small.status == 1, "\(small.stdout)")
        #expect(small.stderr.contains("out of memory"), "\(small.stderr)")
        let enough = try StoreCommandTests.run(["query", "--db", db, "--format", "csv", sql], in: directory)
        #expect(enough.status == 0, "\(enough.stderr)")
        #expect(enough.stdout == "kind\ntext\n")
    }

    @Test func fts3TokenizerIsRefused() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let result = try StoreCommandTests.run(["query", "--db", db, "SELECT fts3_tokenizer('simple')"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("fts3_tokenizer() is not allowed"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func badLimitsAreUsageErrors() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        for arguments in [["--timeout", "0"], ["--timeout", "nan"], ["--max-memory", "1"]] {
            let result = try StoreCommandTests.run(["query", "--db", db] + arguments + ["SELECT 1"], in: directory)
            #expect(result.status == 64, "\(arguments)")
        }
    }
}
