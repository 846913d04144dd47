import Gateway
import Synchronization

/// The live stages of `bench`: the embedded gateway simulator blasts a realistic
/// multi-agent stream at the lws client over loopback, sender and client on this machine.
enum LiveBenchmark {
    /// Prints the transport ceiling (a client that only counts frames) and the client path
    /// (peek, per-run seq, dedupe, delivery to a sink) in the same run.
    static func run(events: Int) {
        guard events > 0 else { return }
        do {
            let ceiling = try GatewayLiveBenchmark.run(frames: events, sink: nil)
            print(line("live transport ceiling (count only)", ceiling))
            let sink = CountingSink()
            let clientPath = try GatewayLiveBenchmark.run(frames: events, sink: sink)
            print(line("live client path (peek, seq, dedupe, sink)", clientPath)
                + ", \(format(clientPath.framesPerSecond / max(ceiling.framesPerSecond, 1) * 100)) % of the ceiling")
            let counters = clientPath.counters
            print("  delivered \(sink.count), duplicates \(counters.duplicates), gaps \(counters.gaps), malformed \(counters.malformed), oversized \(counters.oversized)")
        } catch {
            print("live stage failed: \(error)")
        }
    }

    static func line(_ label: String, _ result: GatewayLiveBenchmark.Result) -> String {
        "\(label): \(result.frames) frames in \(format(result.seconds)) s = \(format(result.framesPerSecond / 1000)) k frames/s, \(format(result.megabytesPerSecond)) MB/s"
    }

    static func format(_ value: Double) -> String { EngineBenchmark.format(value) }

    /// Counts deliveries; stands in for normalizer → engine → store until those are wired.
    final class CountingSink: GatewaySink {
        private let delivered = Atomic<Int>(0)
        var count: Int { delivered.load(ordering: .relaxed) }
        func receive(_ message: UnsafeRawBufferPointer, delivery: GatewayDelivery) {
            delivered.wrappingAdd(1, ordering: .relaxed)
        }
    }
}
