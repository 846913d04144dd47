import Testing
import TestSupport
@testable import AuditStore

/// A `.drop` writer of one-record batches on a fresh store, whose first batch
/// (`Fixtures.response(0)`) is stuck on `blocker`'s write lock until the test rolls it back:
/// its queue then holds exactly what the test enqueues. The store lives as long as this.
final class StuckDropWriter {
    let directory = TemporaryDirectory()
    let path: String
    let writer: AuditWriter
    /// Holds the write lock (`BEGIN IMMEDIATE`); `ROLLBACK` on it lets the writer go on.
    let blocker: Database

    init(queueCapacity: Int, violationReserve: Int) throws {
        path = directory.file("store.db")
        _ = try AuditDatabase.openWriter(path: path)
        blocker = try Database(path: path, mode: .writer)
        try blocker.execute(sql: "BEGIN IMMEDIATE")
        var configuration = AuditWriter.Configuration()
        configuration.batchSize = 1
        configuration.queueCapacity = queueCapacity
        configuration.violationReserve = violationReserve
        configuration.overflowPolicy = .drop
        configuration.busyTimeoutMs = 60_000
        writer = try AuditWriter(path: path, configuration: configuration, logger: Fixtures.logger)
        #expect(writer.enqueue(Fixtures.response(0)) == .accepted)
        #expect(waitUntil { writer.queueDepth == 0 })  // taken into the stuck batch
    }
}
