#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Daemon
import Gateway
import Governance
import Logging
import Runtime
import Synchronization
import WireFormats

/// The live stages of `bench`: the embedded gateway simulator blasts a realistic
/// multi-agent stream at the lws client over loopback, sender and client on this machine.
package enum LiveBenchmark {
    /// Prints the transport ceiling (a client that only counts frames), the client path
    /// (the one scan, per-run seq, dedupe, a counting sink) and the full path (normalize, judge,
    /// store, everything durable at the end) in the same run.
    package static func run(events: Int) {
        guard events > 0 else { return }
        do {
            let ceiling = try GatewayLiveBenchmark.run(frames: events, sink: nil)
            print(line("live transport ceiling (count only)", ceiling))
            let sink = CountingSink()
            let clientPath = try GatewayLiveBenchmark.run(frames: events, sink: sink)
            print(line("live client path (scan, seq, dedupe)", clientPath) + ", " + percent(clientPath, of: ceiling))
            try runFullPath(events: events, ceiling: ceiling)
            try runLatency(framesPerSecond: 50_000, seconds: 10)
            try runLatency(framesPerSecond: 50_000, seconds: 10, batchIntervalMs: 10)
        } catch {
            print("live stage failed: \(error)")
        }
    }

    static func runFullPath(
        events: Int, ceiling: GatewayLiveBenchmark.Result, batchSize: Int = AuditWriter.Configuration().batchSize
    ) throws {
        var template = Array("/tmp/moses-bench-XXXXXX".utf8CString)
        guard let directory = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            print("live full path: cannot make a temporary directory")
            return
        }
        defer { for suffix in ["", "-wal", "-shm"] { unlink(directory + "/audit.db" + suffix) }; rmdir(directory) }
        let logger = Logger(label: "moses.bench.live") { _ in SwiftLogNoOpLogHandler() }
        // Batches big enough that commits (one fsync each) keep up with the stream: at 1,000
        // rows the full path is bound by fsync latency, not CPU (the default is 8,192).
        var settings = DaemonSettings.forTool(databasePath: directory + "/audit.db")
        settings.writer.batchSize = batchSize
        let daemon = try makeDaemon(settings: settings, logger: logger)
        let pipeline = daemon.pipeline
        let writer = daemon.parts.writer
        let residentBefore = ProcessMemory.residentBytes ?? 0
        let started = ContinuousClock.now
        var samples: [String] = []
        let result = try GatewayLiveBenchmark.run(frames: events, sink: pipeline) { received in
            samples.append("\(received / 1000)k: \((ProcessMemory.residentBytes ?? 0) / 1_048_576) MB")
        }
        let residentAfter = ProcessMemory.residentBytes ?? 0
        // Everything judged must be on disk before the clock stops.
        guard daemon.stop() == .stopped else { throw BenchStoreError() }
        let drained = started.duration(to: .now).inSeconds
        // From the first frame until the last record is committed (client teardown included).
        var durable = result
        durable.seconds = max(result.seconds, drained - result.setupSeconds)
        let engine = pipeline.engineCounters
        let store = writer.counters
        print(line("live full path (normalize, judge, store in batches of \(batchSize); durable)", durable) + ", " + percent(durable, of: ceiling))
        print("  judged \(engine.events) events: \(engine.responses) responses, \(engine.toolCalls) tool calls, \(engine.violations) violations; store wrote \(store.written) records in \(store.batches) batches, dropped \(store.dropped), failed \(store.failedRecords); normalizer refused \(pipeline.counts.refused); resident memory \(residentBefore / 1_048_576) MB before, \(residentAfter / 1_048_576) MB after")
        print("  resident memory during the run: " + samples.joined(separator: ", "))
    }

    /// Violation-to-disk latency at a paced rate: frames carry their send time as event
    /// time; a violation's latency runs from the send time of the frame that revealed it
    /// (the audit rule's grace period, when it waits for a ledger append, is not counted)
    /// to the writer reporting it committed. Violations commit in the order found.
    static func runLatency(framesPerSecond: Int, seconds: Int, batchIntervalMs: Int = AuditWriter.Configuration().batchIntervalMs) throws {
        var template = Array("/tmp/moses-bench-XXXXXX".utf8CString)
        guard let directory = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else { return }
        defer { for suffix in ["", "-wal", "-shm"] { unlink(directory + "/audit.db" + suffix) }; rmdir(directory) }
        let logger = Logger(label: "moses.bench.latency") { _ in SwiftLogNoOpLogHandler() }
        let latencies = Mutex<(revealed: [Int64], next: Int, measured: [Int64])>(([], 0, []))
        var settings = DaemonSettings.forTool(databasePath: directory + "/audit.db")
        settings.writer.batchIntervalMs = batchIntervalMs
        let daemon = try makeDaemon(
            settings: settings, logger: logger,
            onDurable: { violations in
                let now = WallClock.milliseconds()
                latencies.withLock { state in
                    for _ in violations where state.next < state.revealed.count {
                        state.measured.append(now - state.revealed[state.next])
                        state.next += 1
                    }
                }
            },
            onFound: { _, revealedAt in latencies.withLock { $0.revealed.append(revealedAt) } })
        let pipeline = daemon.pipeline
        let frames = framesPerSecond * seconds
        let result = try GatewayLiveBenchmark.run(frames: frames, sink: pipeline, framesPerSecond: framesPerSecond)
        guard daemon.stop() == .stopped else { throw BenchStoreError() }
        // Violations found only by finish() (open cycles at the end) are not live latencies.
        let sorted = latencies.withLock { $0.measured }.sorted()
        guard !sorted.isEmpty else {
            print("live latency: no violations committed")
            return
        }
        func percentile(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print("live latency (batch window \(batchIntervalMs) ms) at \(format(result.framesPerSecond / 1000)) k frames/s for \(format(result.seconds)) s: violation to disk p50 \(percentile(0.5)) ms, p99 \(percentile(0.99)) ms, max \(sorted.last!) ms over \(sorted.count) violations (ms clock)")
    }

    /// The daemon as `run` builds it, started, minus its gateway client: the bench's own
    /// client delivers to its pipeline.
    static func makeDaemon(
        settings: DaemonSettings, logger: Logger, onDurable: (@Sendable ([Violation]) -> Void)? = nil,
        onFound: (@Sendable (Violation, Int64) -> Void)? = nil
    ) throws -> Daemon {
        var builder = DaemonBuilder(settings: settings, version: CoordinatorVersion.current, logger: logger)
        builder.connectsToGateway = false
        builder.logsViolations = false
        builder.onDurableViolations = onDurable
        builder.onFound = onFound
        let daemon = try builder.make()
        try daemon.start()
        return daemon
    }

    /// The store could not commit everything judged: the figures would be wrong.
    struct BenchStoreError: Error, CustomStringConvertible {
        var description: String { "the audit store could not commit everything judged" }
    }

    static func line(_ label: String, _ result: GatewayLiveBenchmark.Result) -> String {
        "\(label): \(result.frames) frames in \(format(result.seconds)) s = \(format(result.framesPerSecond / 1000)) k frames/s, \(format(result.megabytesPerSecond)) MB/s"
    }

    static func percent(_ result: GatewayLiveBenchmark.Result, of ceiling: GatewayLiveBenchmark.Result) -> String {
        "\(format(result.framesPerSecond / max(ceiling.framesPerSecond, 1) * 100)) % of the ceiling"
    }

    static func format(_ value: Double) -> String { EngineBenchmark.format(value) }

    /// Counts deliveries: the client's own cost without downstream work.
    final class CountingSink: GatewaySink {
        private let delivered = Atomic<Int>(0)
        var count: Int { delivered.load(ordering: .relaxed) }
        func receive(_ frame: ScannedFrame, in message: UnsafeRawBufferPointer, delivery: GatewayDelivery) {
            delivered.wrappingAdd(1, ordering: .relaxed)
        }
    }
}
