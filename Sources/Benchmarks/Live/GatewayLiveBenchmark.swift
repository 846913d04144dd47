#if canImport(Glibc)
import Glibc
#endif
import Gateway
import GatewaySimulator
import Logging
import Runtime
import WireFormats
import Crypto

/// The live stage of `bench`: the embedded simulator blasts a synthetic multi-agent stream
/// at a real client over loopback (both on this machine), and the rate is measured at the
/// client.
///
/// Stateless; runs on the caller's thread, which it blocks (polling counters every 1 ms).
package enum GatewayLiveBenchmark {
    /// One measured run.
    package struct Result: Sendable {
        /// Frames received after the handshake.
        package var frames: Int
        package var bytes: Int
        /// From the first to the last frame received.
        package var seconds: Double
        /// Start-up before the first frame (simulator, client, handshake).
        package var setupSeconds: Double = 0
        package var framesPerSecond: Double { Double(frames) / max(seconds, 1e-9) }
        package var megabytesPerSecond: Double { Double(bytes) / 1_048_576 / max(seconds, 1e-9) }
        /// The client's counters at the end (duplicates, gaps, malformed must be 0).
        package var counters: GatewayCounters.Snapshot
    }

    /// Runs one stage.
    ///
    /// - Parameters:
    ///   - frames: how many frames the simulator sends.
    ///   - sink: the full path (normalize, judge, store); nil measures the transport
    ///     ceiling with a client that only counts.
    ///   - timeoutSeconds: gives up (returns what arrived) after this long.
    /// - Throws: `GatewayError` if the simulator or client cannot start.
    ///   - framesPerSecond: paces the sender and stamps frames with the wall clock (latency
    ///     runs); nil sends flat out.
    ///   - progress: called on the caller's thread each time another tenth of the frames
    ///     has arrived (e.g. to sample memory), with the count so far.
    package static func run(
        frames: Int, sink: (any GatewaySink)?, framesPerSecond: Int? = nil, timeoutSeconds: Double = 600,
        progress: ((Int) -> Void)? = nil
    ) throws(GatewayError) -> Result {
        let setupStarted = ContinuousClock.now
        let logger = Logger(label: "moses.bench") { _ in SwiftLogNoOpLogHandler() }
        var simulatorConfiguration = GatewaySimulatorConfiguration()
        simulatorConfiguration.token = "bench-token"
        simulatorConfiguration.tickIntervalMs = 60_000
        let simulator = GatewaySimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try simulator.start()
        defer { simulator.stop() }

        var configuration = GatewayClientConfiguration()
        configuration.url = "ws://127.0.0.1:\(port)"
        configuration.token = "bench-token"
        configuration.isCountOnly = sink == nil
        let client = try GatewayClient(
            configuration: configuration,
            identity: DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey()),
            sink: sink ?? NullSink(), logger: logger
        )
        client.start()
        defer { client.stop() }
        let startDeadline = ContinuousClock.now + .seconds(10)
        while simulator.observations.readyClients < 1 || simulator.observations.requests["sessions.list"] == nil {
            if ContinuousClock.now > startDeadline { throw .connectFailed(url: configuration.url, reason: "bench client never became ready") }
            usleep(1000)
        }
        usleep(50_000)  // let the subscription RPCs finish before timing starts
        let baseline = client.counters.snapshot
        simulator.blast(
            SyntheticConversationStream(conversations: 1000, stampsWallClock: framesPerSecond != nil),
            count: frames, framesPerSecond: framesPerSecond
        )
        var firstFrameAt: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        var now = ContinuousClock.now
        var received = 0
        var nextReport = max(1, frames / 10)
        while now < deadline {
            received = client.counters.framesIn.load(ordering: .relaxed) - baseline.framesIn
            if firstFrameAt == nil && received > 0 { firstFrameAt = now }
            if received >= nextReport {
                progress?(received)
                nextReport += max(1, frames / 10)
            }
            if received >= frames { break }
            usleep(1000)
            now = .now
        }
        let end = client.counters.snapshot
        return Result(
            frames: end.framesIn - baseline.framesIn, bytes: end.bytesIn - baseline.bytesIn,
            seconds: (firstFrameAt ?? now).duration(to: now).inSeconds,
            setupSeconds: setupStarted.duration(to: firstFrameAt ?? now).inSeconds, counters: end
        )
    }

    private struct NullSink: GatewaySink {
        func receive(_ frame: ScannedFrame, in message: UnsafeRawBufferPointer, delivery: GatewayDelivery) {}
    }
}
