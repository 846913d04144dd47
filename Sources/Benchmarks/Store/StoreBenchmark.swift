#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Governance
import Logging
import Runtime

/// The store stage of `moses-coordinator bench`: write throughput through the real writer
/// next to a plain batched loop over the same rows, and the latency of the
/// last-hour-for-one-conversation query over a large table.
///
/// Runs on the caller's thread (the writer stage starts the writer's own thread) and
/// creates its databases in `directory`, removing them afterwards.
package enum StoreBenchmark {
    /// The figures of one run.
    package struct Result: Sendable, CustomStringConvertible {
        package var rows: Int
        package var batchSize: Int
        /// Each connection's page cache (`PRAGMA cache_size`).
        package var cacheSizeKiB: Int
        /// Rows/s of `AuditBatchApplier` batches on the caller's thread (WAL + FULL).
        package var plainRowsPerSecond: Double
        /// Rows/s through `AuditWriter` (queue, writer thread, WAL + FULL), enqueue to close.
        package var writerRowsPerSecond: Double
        /// Rows/s of a bare INSERT of violation rows only (no ledger row, no hashing), for scale.
        package var bareInsertRowsPerSecond: Double
        package var queryTableRows: Int
        /// Conversations the written violations are spread over (each batch touches one
        /// index page per conversation, so this drives the pages written per commit).
        package var conversations: Int
        package var queryConversations: Int
        /// Rows the query returned, on average.
        package var queryRowsReturned: Double
        package var queryMedianMs: Double
        package var queryP99Ms: Double
        package var queryMaxMs: Double
        /// Wall and CPU time of the three write stages.
        package var plain: Timing
        package var writer: Timing
        package var bare: Timing
        /// `EXPLAIN QUERY PLAN` of the query.
        package var queryPlan: String

        /// Writer throughput as a fraction of the plain loop's.
        package var writerRatio: Double { writerRowsPerSecond / plainRowsPerSecond }

        package var description: String {
            func rate(_ value: Double) -> String { String(Int(value.rounded())) }
            func ms(_ value: Double) -> String { String(Double(Int(value * 1000)) / 1000) }
            func cpu(_ timing: Timing) -> String {
                "(wall \(ms(timing.wallSeconds)) s, cpu \(ms(timing.cpuSeconds)) s = \(rate(Double(rows) / timing.cpuSeconds)) rows per cpu-second)"
            }
            return """
                store: \(rows) violations over \(conversations) conversations, batches of \(batchSize), page cache \(cacheSizeKiB) KiB, WAL + synchronous=FULL
                  plain batched loop:  \(rate(plainRowsPerSecond)) rows/s \(cpu(plain)), violation + chained ledger row each
                  writer (queue+thread): \(rate(writerRowsPerSecond)) rows/s = \(Int((writerRatio * 100).rounded()))% of the plain loop \(cpu(writer))
                  bare INSERT (violations only, for scale): \(rate(bareInsertRowsPerSecond)) rows/s \(cpu(bare))
                query: last hour for one conversation over \(queryTableRows) rows, \(queryConversations) conversations
                  median \(ms(queryMedianMs)) ms, p99 \(ms(queryP99Ms)) ms, max \(ms(queryMaxMs)) ms, ~\(Int(queryRowsReturned)) rows returned
                  plan: \(queryPlan)
                """
        }
    }

    /// Runs the store stage.
    ///
    /// - Parameters:
    ///   - rows: violations written by each of the plain loop and the writer.
    ///   - queryRows: rows of the table the query runs over (10,000,000 in the issue).
    ///   - directory: where the temporary databases go (same disk as the real store).
    ///   - batchSize: records per transaction for both the plain loop and the writer.
    ///   - cacheSizeKiB: the page cache of every bench connection (the writer's default if nil).
    /// - Returns: the figures.
    /// - Throws: `DatabaseError`.
    package static func run(
        rows: Int, queryRows: Int = 10_000_000, directory: String, batchSize: Int = 1_000,
        conversations: Int = 100, cacheSizeKiB: Int? = nil
    ) throws -> Result {
        let cacheSizeKiB = cacheSizeKiB ?? AuditWriter.Configuration().cacheSizeKiB
        let records = makeViolations(count: rows, conversations: conversations).map(AuditRecord.violation)
        let counters = AuditWriter.Counters().named

        // 1. The plain loop: the same batches, the same SQL, on this thread.
        let plainPath = "\(directory)/bench-plain.db"
        removeDatabase(plainPath)
        defer { removeDatabase(plainPath) }
        let plainSeconds = try measure {
            let database = try openWithWriterCache(path: plainPath, cacheSizeKiB: cacheSizeKiB)
            let applier = AuditBatchApplier(database: database)
            var start = 0
            while start < records.count {
                let end = min(start + batchSize, records.count)
                _ = try applier.apply(records[start..<end], recordedAt: WallClock.milliseconds(), counters: counters)
                start = end
            }
        }

        // 2. The writer: enqueue everything, close (which waits until all is committed).
        let writerPath = "\(directory)/bench-writer.db"
        removeDatabase(writerPath)
        defer { removeDatabase(writerPath) }
        var configuration = AuditWriter.Configuration()
        configuration.batchSize = batchSize
        configuration.cacheSizeKiB = cacheSizeKiB
        let writerSeconds = try measure {
            let writer = try AuditWriter(
                path: writerPath, configuration: configuration, logger: Logger(label: "moses.bench.store"))
            for record in records { _ = writer.enqueue(record) }
            try writer.close()
        }

        // 3. A bare INSERT of the violation rows alone, for scale.
        let barePath = "\(directory)/bench-bare.db"
        removeDatabase(barePath)
        defer { removeDatabase(barePath) }
        let bareSeconds = try measure {
            let database = try openWithWriterCache(path: barePath, cacheSizeKiB: cacheSizeKiB)
            try insertViolationRows(count: rows, conversations: conversations, spanMs: 7 * 86_400_000, into: database, batchSize: batchSize)
        }

        // 4. The query over a large table.
        let queryPath = "\(directory)/bench-query.db"
        removeDatabase(queryPath)
        defer { removeDatabase(queryPath) }
        let queryConversations = 1_000
        let spanMs: Int64 = 7 * 86_400_000
        do {
            let database = try AuditDatabase.openWriter(path: queryPath)
            // Building the table is setup, not measured: durability does not matter here.
            try database.execute(sql: "PRAGMA synchronous = OFF")
            try insertViolationRows(count: queryRows, conversations: queryConversations, spanMs: spanMs, into: database, batchSize: 50_000)
        }
        let reader = try AuditDatabase.openReader(path: queryPath)
        // "Now" is the newest row's time, so the last hour holds rows for every conversation.
        let now = baseTime + Int64(queryRows - 1) * spacing(count: queryRows, spanMs: spanMs)
        let plan = try queryPlan(reader, since: now - 3_600_000)
        let query = try reader.cachedStatement(sql: Schema.violationsForConversationSince)
        var latencies: [Double] = []
        var returned = 0
        let samples = 500
        for sample in 0..<samples {
            let conversation = "discord:group:\((sample * 7919) % queryConversations)"
            let started = ContinuousClock.now
            try query.bind([.text(conversation), .integer(now - 3_600_000)])
            while try query.step() { returned += 1 }
            latencies.append(started.duration(to: .now).inSeconds * 1e3)
        }
        latencies.sort()

        return Result(
            rows: rows, batchSize: batchSize, cacheSizeKiB: cacheSizeKiB,
            plainRowsPerSecond: Double(rows) / plainSeconds.wallSeconds,
            writerRowsPerSecond: Double(rows) / writerSeconds.wallSeconds,
            bareInsertRowsPerSecond: Double(rows) / bareSeconds.wallSeconds,
            queryTableRows: queryRows, conversations: conversations, queryConversations: queryConversations,
            queryRowsReturned: Double(returned) / Double(samples),
            queryMedianMs: latencies[samples / 2], queryP99Ms: latencies[samples * 99 / 100],
            queryMaxMs: latencies[samples - 1],
            plain: plainSeconds, writer: writerSeconds, bare: bareSeconds, queryPlan: plan)
    }

    static let baseTime: Int64 = 1_763_990_000_000

    /// Violations spread round-robin over `conversations`, one every ms, roles and rules mixed.
    static func makeViolations(count: Int, conversations: Int) -> [Violation] {
        let rules: [RuleID] = [.sequence, .auditBeforeResponse, .mode, .posture]
        let roles: [Role] = [.primary, .secondary, .observer]
        let state = GovernanceState.default
        return (0..<count).map { index in
            let conversation = "discord:group:\(index % conversations)"
            let role = roles[index % 3]
            return Violation(
                at: baseTime + Int64(index), conversation: conversation,
                sessionKey: "agent:\(role.rawValue):\(conversation)", agentID: role.rawValue, role: role,
                rule: rules[index % rules.count], expected: "secondary", actual: role.rawValue,
                detail: "\(role.rawValue) answered out of order", runID: "run-\(index)", state: state)
        }
    }

    /// A plain batched INSERT of violation rows, spread evenly over `spanMs` before the end.
    static func insertViolationRows(
        count: Int, conversations: Int, spanMs: Int64, into database: Database, batchSize: Int
    ) throws {
        var index = 0
        let step = spacing(count: count, spanMs: spanMs)
        while index < count {
            let end = min(index + batchSize, count)
            try database.inTransaction(.immediate) {
                let insert = try database.cachedStatement(sql: Schema.insertViolation)
                for row in index..<end {
                    let conversation = "discord:group:\(row % conversations)"
                    try insert.execute([
                        .integer(baseTime + Int64(row) * step), .text(conversation), .text("agent:observer:\(conversation)"),
                        .text("observer"), .text("observer"), .text("sequence"), .text("secondary"), .text("observer"),
                        .text("observer answered out of order"), .text("run-\(row)"), .text("high-integrity"),
                        .text("defense"), .text("primary"), .integer(baseTime),
                    ])
                }
                return .commit
            }
            index = end
        }
    }

    /// Milliseconds between consecutive rows spread over `spanMs`.
    static func spacing(count: Int, spanMs: Int64) -> Int64 { max(1, spanMs / Int64(max(count, 1))) }

    static func queryPlan(_ database: Database, since: Int64) throws -> String {
        let plan = try database.makeStatement(sql: "EXPLAIN QUERY PLAN " + Schema.violationsForConversationSince)
        try plan.bind([.text("discord:group:1"), .integer(since)])
        var details: [String] = []
        while try plan.step() { details.append(plan.text(at: 3) ?? "") }
        return details.joined(separator: "; ")
    }

    /// Wall-clock and CPU seconds (user + system, all threads) of one stage: on a shared
    /// machine the wall clock also counts time other processes took.
    package struct Timing: Sendable {
        package var wallSeconds: Double
        package var cpuSeconds: Double
    }

    private static func measure(_ body: () throws -> Void) throws -> Timing {
        let started = ContinuousClock.now
        let cpuBefore = processCPUSeconds()
        try body()
        return Timing(
            wallSeconds: started.duration(to: .now).inSeconds,
            cpuSeconds: processCPUSeconds() - cpuBefore)
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// A bench database opened as the writer opens its own, page cache included, so the
    /// plain and bare loops compare with the writer on equal terms.
    private static func openWithWriterCache(path: String, cacheSizeKiB: Int) throws -> Database {
        let database = try AuditDatabase.openWriter(path: path)
        try database.execute(sql: "PRAGMA cache_size = -\(cacheSizeKiB)")
        return database
    }

    private static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }
}
