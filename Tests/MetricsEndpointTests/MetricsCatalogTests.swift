@testable import AuditStore
@testable import Configuration
@testable import Gateway
import Governance
import Logging
@testable import MosesFiles
@testable import Notifications
import Testing
@testable import WireFormats
@testable import MetricsEndpoint

/// The catalog declares every family the components report, each once, with HELP text
/// that says what it counts, and the labels its samples carry.
@Suite struct MetricsCatalogTests {
    /// Every sample name every counter struct reports, as the daemon hands them over.
    static var reportedNames: [String] {
        var names = CountersSnapshot(at: 0, engine: EngineCounters()).values.map(\.name)
        names += NormalizerCounters().metrics.map(\.name)
        names += CaptureReader.Counters().metrics.map(\.name)
        names += GatewayCounters.Snapshot().metrics.map(\.name)
        names += MosesFilesWatcher.Counters().metrics.map(\.name)
        names += AuditWriter.Counters().named.map(\.name)
        names += StoreIntegrityMonitor.Counters().named.map(\.name)
        names += OutboxCounts().metrics.map(\.name)
        names += DeliveryWorker.Counters().metrics.map(\.name)
        names += ConfigHolder.Counters().metrics.map(\.name)
        names += MetricsServer(port: 0, logger: Logger(label: "metrics-tests")) { MetricsSnapshot() }.metrics.map(\.name)
        return names
    }

    @Test func everyReportedNameIsDeclaredWithItsLabels() {
        let names = Self.reportedNames
        #expect(names.count > 80)
        for name in names {
            let (family, labels) = MetricsSnapshot.split(name)
            let definition = MetricsCatalog.definition(named: family)
            #expect(definition != nil, "\(family) is not in MetricsCatalog")
            #expect(definition?.labels == labels.map(\.name), "\(name): labels \(definition?.labels ?? [])")
        }
    }

    @Test func familiesAreUniqueNamedByConventionAndExplained() {
        let all = MetricsCatalog.all
        #expect(Set(all.map(\.name)).count == all.count, "a family is declared twice")
        for definition in all {
            #expect(MetricsSnapshot.isValidName(definition.name) && definition.name.hasPrefix("moses_"), "\(definition.name)")
            #expect(definition.name.hasSuffix("_total") == (definition.kind == .counter), "\(definition.name) vs \(definition.kind)")
            // A sentence of its own, not a name repeated: what one unit is and what adds to it.
            #expect(definition.help.count >= 20 && definition.help.hasSuffix("."), "\(definition.name): \(definition.help)")
            #expect(!definition.help.contains("moses_") && !definition.help.contains(" metric "), "\(definition.name): \(definition.help)")
        }
    }

    /// One family per rule would mean one name per rule; it is one family with a `rule`
    /// label and a series for every rule the engine knows, even before its first violation.
    @Test func violationsAreOneFamilyWithASeriesPerRule() throws {
        var snapshot = MetricsSnapshot()
        snapshot.add(named: CountersSnapshot(at: 0, engine: EngineCounters()).values)
        let parsed = try PrometheusTextParser(PrometheusText.render(snapshot))
        let family = try #require(parsed.families["moses_violations_total"])
        #expect(family.type == "counter")
        #expect(family.help == MetricsCatalog.definition(named: "moses_violations_total")?.help)
        for rule in RuleID.allCases {
            #expect(parsed.value("moses_violations_total", ["rule": rule.rawValue]) == 0, "\(rule)")
        }
        #expect(!parsed.samples.contains { $0.name.hasPrefix("moses_engine_violations_") })
    }
}
