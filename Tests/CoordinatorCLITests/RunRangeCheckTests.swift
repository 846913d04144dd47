import Foundation
import Testing
import TestSupport

/// The daemon, against the simulator over loopback, fed the frames of issue 9 that used to
/// kill it: it keeps running, judges the frames it can, and counts each refused value on
/// /metrics and, after SIGTERM, in the store's `stats`.
@Suite(.serialized) struct RunRangeCheckTests {
    static let session = "agent:primary:discord:group:99"

    static var scenario: String {
        let frames = [
            // payload.seq past Int64 (overflowed FramePeek's digit loop).
            #"{"type":"event","event":"chat","payload":{"runId":"r-seq","sessionKey":"\#(session)","seq":9223372036854775808,"state":"final","message":{"role":"assistant","content":"judged despite its seq","timestamp":1767225605000}}}"#,
            // message.timestamp >= 9,223,372,036,854,776 ms (overflowed the store's ms -> µs).
            #"{"type":"event","event":"chat","payload":{"runId":"r-huge","sessionKey":"\#(session)","seq":2,"state":"final","message":{"role":"assistant","content":"huge time","timestamp":9223372036854776}}}"#,
            // A lifecycle start at Int64.max (overflowed the engine's idle deadline).
            #"{"type":"event","event":"agent","payload":{"runId":"r-max","seq":1,"stream":"lifecycle","ts":9223372036854775807,"sessionKey":"\#(session)","data":{"phase":"start"}}}"#,
            #"{"type":"event","event":"chat","payload":{"runId":"r-last","sessionKey":"\#(session)","seq":3,"state":"final","message":{"role":"assistant","content":"last","timestamp":1767225606000}}}"#,
        ]
        return ([#"{"waitForClients":1}"#, #"{"sleepMs":300}"#] + frames.map { #"{"send":\#($0)}"# }).joined(separator: "\n") + "\n"
    }

    @Test func theDaemonSurvivesAndCountsTheIssueNineFrames() async throws {
        let gateway = try await SimulatedGateway(scenario: Self.scenario)
        defer { gateway.remove() }
        let directory = gateway.directory, path = gateway.path
        try gateway.writeConfiguration(watchingMosesFiles: false)
        let run = try RunCommandTests.Child(["run", "--config", path("coordinator.yaml")], in: directory, name: "run")
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil(seconds: 30) { run.stderr.contains("serving metrics") }, "run: \(run.stderr)")
        let metricsPort = run.metricsPort
        var metrics = ""
        #expect(await RunCommandTests.waitUntil(seconds: 20) {
            metrics = loopbackHTTPGet(port: metricsPort, path: "/metrics") ?? ""
            // Both good responses judged, the refused frames counted.
            return metrics.contains("\nmoses_engine_responses_total 2") && metrics.contains("\nmoses_normalize_rejected_values_total 2")
        }, "metrics: \(metrics) run: \(run.stderr)")
        #expect(metrics.contains("\nmoses_gateway_rejected_values_total 1"))
        #expect(metrics.contains("\nmoses_ledger_rejected_values_total 0"))
        #expect(metrics.contains("\nmoses_config_rejected_values_total 0"))
        #expect(run.process.isRunning)

        run.process.terminate()  // SIGTERM
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
        let stats = try CoordinatorBinary.run([
            "query", "--db", path("audit.db"), "--format", "csv",
            "SELECT name, value FROM stats WHERE name = 'moses_normalize_rejected_values_total'",
        ])
        #expect(stats.stdout.contains("moses_normalize_rejected_values_total,2"), "stats: \(stats.stdout) \(stats.stderr)")
        let judged = try CoordinatorBinary.run([
            "query", "--db", path("audit.db"), "--format", "csv", "SELECT run_id FROM responses ORDER BY run_id",
        ])
        #expect(judged.stdout.contains("r-seq") && judged.stdout.contains("r-last"), "responses: \(judged.stdout)")
        #expect(!judged.stdout.contains("r-huge"))
    }
}
