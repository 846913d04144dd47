import Benchmarks
import Testing
import TestSupport
@testable import AuditStore

/// The bench stage runs end to end on small figures (timing belongs to `bench` itself).
@Suite struct StoreBenchmarkTests {
    @Test func smallRunWritesEverythingAndUsesTheIndex() throws {
        let directory = TemporaryDirectory()
        let result = try StoreBenchmark.run(rows: 3_000, queryRows: 30_000, directory: directory.path, batchSize: 500)
        #expect(result.rows == 3_000)
        #expect(result.plainRowsPerSecond > 0 && result.writerRowsPerSecond > 0)
        #expect(result.queryPlan.contains("idx_violations_conversation_ts"))
        // 30,000 rows over 7 days and 1,000 conversations: a row per conversation every
        // ~5.6 hours, so the last hour holds 0 or 1 for each.
        #expect(result.queryRowsReturned > 0 && result.queryRowsReturned <= 1)
    }
}
