#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Governance
import Logging
import Testing
@testable import MetricsEndpoint

@Suite struct StatsAgreementTests {
    /// Every sample /metrics renders from the store's counters is a row of the SQL `stats`
    /// view under the same name and value: the two agree.
    @Test func metricsAndTheStatsViewUseTheSameNames() throws {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/metrics-test-XXXXXX".utf8CString)
        let directory = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        let path = "\(directory)/store.db"
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
            rmdir(directory)
        }
        var engine = EngineCounters()
        engine.events = 12
        engine.violationsByRule[0] = 2
        let engineValues = CountersSnapshot(at: 1_763_990_000_000, engine: engine).values
        let writer = try AuditWriter(path: path, logger: Logger(label: "metrics-tests"))
        _ = writer.enqueue(.counters(CountersSnapshot(at: 1_763_990_000_000, engine: engine)))
        try writer.flush()
        try writer.close()
        let writerValues = writer.counters.named

        let reader = try AuditDatabase.openReader(path: path)
        let statement = try reader.makeStatement(sql: "SELECT name, value FROM stats")
        var stats: [String: Int64] = [:]
        while try statement.step() { stats[statement.text(at: 0) ?? ""] = statement.integer(at: 1) }

        var snapshot = MetricsSnapshot()
        snapshot.add(named: engineValues)
        snapshot.add(named: writerValues)
        snapshot.add(named: OutboxCounts().metrics)
        let parsed = try PrometheusTextParser(PrometheusText.render(snapshot))
        #expect(parsed.samples.count == engineValues.count + writerValues.count + OutboxCounts().metrics.count)
        // The labelled per-rule series are rows of the view too, each rule's from the start.
        for rule in RuleID.allCases {
            let expected: Double = rule == RuleID.allCases[0] ? 2 : 0
            #expect(parsed.value("moses_violations_total", ["rule": rule.rawValue]) == expected, "\(rule)")
            #expect(stats["moses_violations_total{rule=\"\(rule.rawValue)\"}"].map(Double.init) == expected, "\(rule)")
        }
        for sample in parsed.samples {
            let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
            let name = labels.isEmpty ? sample.name : "\(sample.name){\(labels.joined(separator: ","))}"
            #expect(stats[name].map(Double.init) == sample.value, "\(name)")
        }
    }
}
