#if canImport(Glibc)
import Glibc
#endif
import Governance
import Runtime
import Synchronization
import Testing
import TestSupport
@testable import AuditStore

/// What the writer does while the store cannot write: it holds, retries, stores everything
/// once room returns, never drops a violation, and spools violations at stop.
@Suite struct AuditWriterHoldTests {
    /// A writer whose database is capped a few pages past its empty size (`SQLITE_FULL` as on
    /// a full disk), with quick retries.
    static func cappedConfiguration(path: String, spool: String? = nil) throws -> AuditWriter.Configuration {
        _ = try AuditDatabase.openWriter(path: path)
        var configuration = AuditWriter.Configuration()
        configuration.batchSize = 100
        configuration.maxAttempts = 2
        configuration.retryDelayMs = 1
        configuration.maxRetryDelayMs = 20
        configuration.spoolDirectory = spool
        configuration.maxPageCount = Int(try Database(path: path, mode: .writer).singleInteger(sql: "PRAGMA page_count")!) + 8
        return configuration
    }

    @Test func violationsEnqueuedWhileFullAreAllStoredOnceRoomReturns() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let health = Mutex<[String]>([])
        let writer = try AuditWriter(
            path: path, configuration: try Self.cappedConfiguration(path: path), logger: Fixtures.logger,
            onDurable: { _ in },
            onHealthChange: { change in
                health.withLock { $0.append({ if case .writable = change { "writable" } else { "failing" } }()) }
            })
        for index in 0..<2_000 {
            #expect(writer.enqueue(.violation(Fixtures.violation(index))) == .accepted)
            #expect(writer.enqueue(Fixtures.response(index)) == .accepted)
        }
        #expect(waitUntil { writer.isDegraded })
        // The store is full: flush says so at once instead of waiting, and loses nothing.
        #expect {
            try writer.flush()
        } throws: { error in
            (error as? DatabaseError)?.code ~= .full
        }
        #expect(waitUntil { writer.queueDepth == 0 })
        #expect(writer.counters.heldNow > 0)
        #expect(health.withLock { $0 } == ["failing"])

        writer.setMaxPageCount(1_000_000)  // room returns
        #expect(waitUntil { !writer.isDegraded && writer.counters.heldNow == 0 })
        try writer.flush()
        try writer.close()

        let reader = try AuditDatabase.openReader(path: path)
        #expect(try reader.count("violations") == 2_000)
        #expect(try reader.count("responses") == 2_000)
        #expect(try reader.singleInteger(sql: "SELECT count(*) FROM ledger WHERE kind = 'violation'") == 2_000)
        #expect(try LedgerVerification.verifyStore(reader).isIntact)
        #expect(health.withLock { $0 } == ["failing", "writable"])
        let counters = writer.counters
        #expect(counters.degradedEpisodes == 1)
        #expect(counters.failedRecords == 0)
        #expect(counters.dropped == 0 && counters.holdDropped == 0)
        #expect(counters.written == 4_000)
        #expect(try reader.singleInteger(sql: "SELECT value FROM stats WHERE name = 'moses_store_degraded_episodes_total'") == 1)
    }

    @Test func aFullHoldDropsObservationsAndKeepsEveryViolation() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        var configuration = try Self.cappedConfiguration(path: path)
        configuration.holdCapacity = 150
        let writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        for index in 0..<300 {
            _ = writer.enqueue(Fixtures.response(index))
            if index % 3 == 0 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        }
        #expect(waitUntil { writer.isDegraded && writer.counters.holdDropped > 0 })
        writer.setMaxPageCount(1_000_000)
        #expect(waitUntil { !writer.isDegraded && writer.queueDepth == 0 && writer.counters.heldNow == 0 })
        try writer.flush()
        try writer.close()
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try reader.count("violations") == 100)
        let counters = writer.counters
        #expect(try reader.count("responses") + Int64(counters.holdDropped) == 300)
        #expect(counters.failedRecords == 0)
    }

    @Test func theDropPolicyNeverDropsAViolation() throws {
        let stuck = try StuckDropWriter(queueCapacity: 2, violationReserve: 3)
        let writer = stuck.writer
        #expect(writer.enqueue(Fixtures.response(1)) == .accepted)
        #expect(writer.enqueue(Fixtures.response(2)) == .accepted)
        #expect(writer.enqueue(Fixtures.response(3)) == .dropped)
        // Past the capacity violations take the reserve…
        for index in 0..<3 { #expect(writer.enqueue(.violation(Fixtures.violation(index))) == .accepted) }
        #expect(writer.enqueue(Fixtures.response(4)) == .dropped)
        // …and past the reserve they wait for room instead of being dropped.
        let lastResult = Mutex<AuditWriter.EnqueueResult?>(nil)
        let producer = ProducerThread {
            let result = writer.enqueue(.violation(Fixtures.violation(3)))
            lastResult.withLock { $0 = result }
        }
        producer.start()
        // Proving a wait needs time: after 100 ms the producer must still be in `enqueue`.
        usleep(100_000)
        #expect(lastResult.withLock { $0 } == nil)
        try stuck.blocker.execute(sql: "ROLLBACK")
        #expect(waitUntil { lastResult.withLock { $0 } != nil })
        #expect(lastResult.withLock { $0 } == .accepted)
        producer.join()
        try writer.close()
        let reader = try AuditDatabase.openReader(path: stuck.path)
        #expect(try reader.count("violations") == 4)
        #expect(try reader.count("responses") == 3)
        #expect(writer.counters.dropped == 2)
        #expect(try reader.singleInteger(sql: "SELECT value FROM counters WHERE name = 'moses_store_dropped_total'") == 2)
    }

    @Test func stoppingWhileFullSpoolsViolationsAndTheNextWriterStoresThemOnce() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let spool = directory.file("spool")
        // One violation is stored before the disk fills: the spool's copy must not double it.
        let first = try AuditWriter(path: path, logger: Fixtures.logger)
        _ = first.enqueue(.violation(Fixtures.violation(0)))
        try first.close()

        let writer = try AuditWriter(
            path: path, configuration: try Self.cappedConfiguration(path: path, spool: spool), logger: Fixtures.logger)
        for index in 0..<500 {
            _ = writer.enqueue(.violation(Fixtures.violation(index)))
            _ = writer.enqueue(Fixtures.response(index))
        }
        #expect(waitUntil { writer.isDegraded })
        try writer.close()  // spooled: not an error
        let stored = try AuditDatabase.openReader(path: path).count("violations")
        #expect(stored < 500)
        #expect(writer.counters.spooled > 0)
        #expect(writer.counters.spooled + UInt64(stored) >= 500)
        let files = ViolationSpool(directory: spool).load()
        #expect(files.files.count == 1)
        #expect(files.violations.count == Int(writer.counters.spooled))

        // The next start (room again) takes the spool in before anything else.
        let next = try AuditWriter(path: path, configuration: {
            var configuration = AuditWriter.Configuration()
            configuration.spoolDirectory = spool
            return configuration
        }(), logger: Fixtures.logger)
        try next.flush()
        try next.close()
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try reader.count("violations") == 500)
        #expect(try reader.singleInteger(sql: "SELECT count(*) FROM ledger WHERE kind = 'violation'") == 500)
        #expect(try LedgerVerification.verifyStore(reader).isIntact)
        #expect(next.counters.unspooled == writer.counters.spooled)
        #expect(ViolationSpool(directory: spool).load().files.isEmpty)
    }

    @Test func stoppingWhileFullWithoutASpoolReportsTheLoss() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let writer = try AuditWriter(path: path, configuration: try Self.cappedConfiguration(path: path), logger: Fixtures.logger)
        for index in 0..<500 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        #expect(waitUntil { writer.isDegraded })
        #expect {
            try writer.close()
        } throws: { error in
            (error as? DatabaseError)?.code ~= .full
        }
        let stored = try AuditDatabase.openReader(path: path).count("violations")
        #expect(UInt64(stored) + writer.counters.failedRecords == 500)
    }
}

/// A plain joinable thread for a producer that may block (`Thread` of Foundation is not used).
final class ProducerThread: @unchecked Sendable {
    // Set once in start() and read in join(), both on the test's thread.
    private var thread: NamedThread?
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        thread = NamedThread.start(name: "producer", body)
    }

    func join() {
        thread?.join()
    }
}

/// A corrupt store ("database disk image is malformed") is a failure like a full disk: the
/// violations are held, not lost, and spooled at stop for a restored store to take in.
@Suite struct CorruptStoreTests {
    @Test func aCorruptIndexHoldsViolationsAndTheSpoolCarriesThemToARestoredStore() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        let spool = directory.file("spool")
        let filled = try AuditWriter(path: path, logger: Fixtures.logger)
        for index in 0..<2_000 { _ = filled.enqueue(.violation(Fixtures.violation(index))) }
        try filled.close()
        // Overwrite the root page of the violations' identity index: the schema still reads,
        // every insert of a violation meets the damage.
        let (rootPage, pageSize) = try {
            // Everything into the main file first, so that no WAL copy of the page hides the damage.
            let database = try Database(path: path, mode: .writer)
            try database.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let root = try database.singleInteger(sql: "SELECT rootpage FROM sqlite_master WHERE name = 'idx_violations_identity'")!
            return (root, try database.singleInteger(sql: "PRAGMA page_size")!)
        }()
        let descriptor = open(path, O_WRONLY)
        #expect(descriptor >= 0)
        let garbage = [UInt8](repeating: 0xFF, count: Int(pageSize))
        #expect(garbage.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t((rootPage - 1) * pageSize)) } == Int(pageSize))
        close(descriptor)

        var configuration = AuditWriter.Configuration()
        configuration.spoolDirectory = spool
        let writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        for index in 5_000..<5_100 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        #expect(waitUntil { writer.isDegraded })
        #expect {
            try writer.flush()
        } throws: { error in
            (error as? DatabaseError)?.code ~= .corrupt
        }
        try writer.close()
        #expect(writer.counters.spooled == 100)

        // The operator moves the damaged store aside; the new one takes the spool in.
        let restored = directory.file("restored.db")
        let next = try AuditWriter(path: restored, configuration: configuration, logger: Fixtures.logger)
        try next.flush()
        try next.close()
        let reader = try AuditDatabase.openReader(path: restored)
        #expect(try reader.count("violations") == 100)
        #expect(try reader.singleInteger(sql: "SELECT min(ts) FROM violations") == Fixtures.violation(5_000).at)
        #expect(ViolationSpool(directory: spool).load().files.isEmpty)
    }
}
