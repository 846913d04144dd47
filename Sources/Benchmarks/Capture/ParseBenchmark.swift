import Governance
import Runtime
import WireFormats

/// The parse stage of `bench`: a generated realistic capture (mostly streaming deltas) read
/// by a bare byte scan, by the scanner alone, and by the full path (scanner, normalizer,
/// engine) on one core. Each is timed `repetitions` times and its fastest run reported, so
/// that a noisy neighbour does not decide the ratio.
package enum ParseBenchmark {
    package static let repetitions = 3

    package static func run(events: Int, conversations: Int) {
        let capture = CaptureBenchmark.generateRealisticCapture(events: events, conversations: conversations, seed: 42)
        var lines = 0, scanned = 0
        let scanSeconds = fastest { lines = CaptureBenchmark.bareScan(capture) }
        let scannerSeconds = fastest { scanned = capture.withUnsafeBytes { CaptureBenchmark.scannerOnly($0) } }
        var engine = GovernanceEngine()
        var judged = 0, refused = 0
        let fullSeconds = fastest {
            engine = GovernanceEngine(state: GovernanceState(mode: .highIntegrity, posture: .defense, role: .primary))
            var reader = CaptureReader(bytes: capture)
            var found: [Violation] = []
            judged = 0
            refused = 0
            // The generated capture reads from memory, so `forEach` cannot fail.
            try? reader.forEach({ event in
                engine.process(event, into: &found)
                judged += 1
                found.removeAll(keepingCapacity: true)
            }, refused: { _ in refused += 1 })
            engine.finish(into: &found)
        }
        let scanRate = Double(lines) / scanSeconds, fullRate = Double(judged) / fullSeconds
        let megabytes = Double(capture.count) / 1_048_576
        func rate(_ count: Int, _ seconds: Double) -> String {
            "\(count) lines in \(EngineBenchmark.format(seconds)) s = \(EngineBenchmark.format(Double(count) / seconds / 1e6)) M events/s"
        }
        print("capture: \(events) records, \(EngineBenchmark.format(megabytes)) MB, \(conversations) conversations, \(engine.counters.streamDeltas) stream deltas; fastest of \(repetitions) runs each")
        print("bare scan: \(rate(lines, scanSeconds)) (\(EngineBenchmark.format(megabytes / scanSeconds)) MB/s)")
        print("scanner only: \(rate(scanned, scannerSeconds))")
        print("full path (scan + normalize + engine): \(judged) events in \(EngineBenchmark.format(fullSeconds)) s = \(EngineBenchmark.format(fullRate / 1e6)) M events/s, \(EngineBenchmark.format(100 * fullRate / scanRate))% of the bare scan; \(refused) refused lines")
        let byRule = RuleID.allCases.filter { engine.counters.violations(of: $0) > 0 }.map { "\($0.rawValue) \(engine.counters.violations(of: $0))" }
        print("  violations found: \(engine.counters.violations) (\(byRule.joined(separator: ", ")))")
    }

    /// The shortest of `repetitions` timings of `body`.
    package static func fastest(_ body: () -> Void) -> Double {
        (0..<repetitions).map { _ in ContinuousClock().measure(body).inSeconds }.min()!
    }
}
