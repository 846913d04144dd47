import Testing
@testable import MetricsEndpoint

@Suite struct PrometheusTextTests {
    static func sampleSnapshot() -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.add(named: [
            ("moses_engine_events_total", 42),
            ("moses_violations_total{rule=\"sequence\"}", 3),
            ("moses_normalize_events_total{kind=\"response\"}", 7),
            ("moses_normalize_events_total{kind=\"tool_call\"}", 2),
            ("moses_outbox_pending", 5),
        ] as [(name: String, value: UInt64)])
        snapshot.add(named: [("moses_gateway_reconnects_total", 1)] as [(name: String, value: Int)])
        snapshot.add("moses_gateway_connected", value: 1)
        snapshot.add("moses_store_batch_latency_seconds", value: 0.0125)
        snapshot.add("moses_test_labels", labels: [.init("path", "a\"b\\c\nd")], value: 1, help: "Line one\nline \\two")
        return snapshot
    }

    /// Names, labels, values, HELP and TYPE all read back by a Prometheus text parser.
    @Test func renderedTextParsesBack() throws {
        let text = PrometheusText.render(Self.sampleSnapshot())
        let parsed = try PrometheusTextParser(text)
        #expect(parsed.value("moses_engine_events_total") == 42)
        #expect(parsed.value("moses_violations_total", ["rule": "sequence"]) == 3)
        #expect(parsed.value("moses_normalize_events_total", ["kind": "response"]) == 7)
        #expect(parsed.value("moses_normalize_events_total", ["kind": "tool_call"]) == 2)
        #expect(parsed.value("moses_outbox_pending") == 5)
        #expect(parsed.value("moses_gateway_reconnects_total") == 1)
        #expect(parsed.value("moses_gateway_connected") == 1)
        #expect(parsed.value("moses_store_batch_latency_seconds") == 0.0125)
        #expect(parsed.value("moses_test_labels", ["path": "a\"b\\c\nd"]) == 1)

        #expect(parsed.families["moses_engine_events_total"]?.type == "counter")
        #expect(parsed.families["moses_outbox_pending"]?.type == "gauge")
        #expect(parsed.families["moses_gateway_connected"]?.type == "gauge")
        #expect(parsed.families["moses_outbox_pending"]?.help == "Notifications waiting in the outbox.")
        #expect(parsed.families["moses_test_labels"]?.help == "Line one\nline \\two")
        // One HELP/TYPE per family, every sample under a declared family.
        #expect(parsed.samples.allSatisfy { parsed.families[$0.name]?.type != nil && parsed.families[$0.name]?.help != nil })
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE moses_normalize_events_total ") }.count == 1)
        #expect(text.hasSuffix("\n"))
    }

    @Test func labelValuesAreEscaped() {
        #expect(PrometheusText.escapeLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(0.5) == "0.5")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    /// The daemon's `name{label="value"}` spelling splits into name and labels.
    @Test func namesWithLabelsSplit() {
        let (name, labels) = MetricsSnapshot.split("moses_capture_records_total{source=\"gateway\",x=\"q\\\"\"}")
        #expect(name == "moses_capture_records_total")
        #expect(labels == [.init("source", "gateway"), .init("x", "q\"")])
        #expect(MetricsSnapshot.split("moses_store_written_total") == ("moses_store_written_total", []))
    }
}
