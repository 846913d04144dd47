import Foundation
import Testing
import TestSupport

/// `simulate --synthetic-events`, the sender of `scripts/bench-compare --daemon`: once `run`
/// is ready, the simulator sends that many frames of the 1,000-conversation stream, and the
/// daemon receives every one and commits every record they make (streaming deltas make none).
@Suite(.serialized) struct SimulateSyntheticStreamTests {
    @Test func theDaemonReceivesEverySyntheticFrameAndStoresWhatTheyMake() async throws {
        let frames = 3_000
        let gateway = try await SimulatedGateway(
            scenario: "", arguments: ["--synthetic-events", "\(frames)", "--synthetic-after-ms", "0"])
        defer { gateway.remove() }
        try gateway.writeConfiguration(watchingMosesFiles: false)
        let run = try RunCommandTests.Child(["run", "--config", gateway.configurationPath], in: gateway.directory, name: "run")
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil(seconds: 30) { run.stderr.contains("serving metrics") }, "run: \(run.stderr)")
        let metricsPort = run.metricsPort
        var metrics = ""
        #expect(await RunCommandTests.waitUntil(seconds: 60) {
            metrics = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
            // The handshake's and the subscription's frames are counted too.
            return (Self.value("moses_gateway_frames_in_total", in: metrics) ?? 0) >= frames
                && (Self.value("moses_store_accepted_total", in: metrics) ?? 0) > frames / 10
                && Self.value("moses_store_written_total", in: metrics) == Self.value("moses_store_accepted_total", in: metrics)
        }, "metrics: \(metrics) run: \(run.stderr)")
        #expect(run.process.isRunning)
    }

    static func value(_ name: String, in metrics: String) -> Int? {
        metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
    }
}
