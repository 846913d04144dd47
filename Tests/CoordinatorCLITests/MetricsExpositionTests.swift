import Foundation
import Testing
import TestSupport

/// What `curl /metrics` shows a Prometheus user of the running daemon: one violations family
/// with a `rule` label and a series per rule from the start, real HELP text on every family,
/// and the same per-rule values in the store's `stats` view after the stop.
@Suite(.serialized) struct MetricsExpositionTests {
    static let rules = ["sequence", "audit_before_response", "posture", "role", "mode", "drift", "ledger_integrity"]

    @Test func violationsByRuleAndHelpTextBeforeAnyViolation() async throws {
        let gateway = try await SimulatedGateway.makeQuiet()
        defer { gateway.remove() }
        let run = try await gateway.startConnectedRun()
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("serving metrics") }, "run: \(run.stderr)")
        let port = run.metricsPort
        let response = loopbackHTTPGet(port: port, path: "/metrics") ?? ""
        #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(300))")
        let body = response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let lines = body.split(separator: "\n")

        #expect(lines.contains("# HELP moses_violations_total Governance violations found by the engine, by rule id; every rule has a series from the start."))
        #expect(lines.contains("# TYPE moses_violations_total counter"))
        for rule in Self.rules {
            #expect(lines.contains("moses_violations_total{rule=\"\(rule)\"} 0"), "\(rule) missing from /metrics")
        }
        #expect(!body.contains("moses_engine_violations_"))

        // Every family has a TYPE and a HELP of its own: no generic placeholder.
        let helps = lines.filter { $0.hasPrefix("# HELP ") }
        let types = lines.filter { $0.hasPrefix("# TYPE ") }
        #expect(helps.count == types.count && helps.count > 40, "\(helps.count) HELP, \(types.count) TYPE")
        for help in helps {
            let text = help.split(separator: " ", maxSplits: 3).last ?? ""
            #expect(!text.hasPrefix("moses-coordinator ") && !text.contains(" metric moses_") && text.hasSuffix("."), "\(help)")
        }

        run.terminate()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
        let stats = try CoordinatorBinary.run([
            "query", "--db", gateway.database, "--format", "csv",
            "SELECT replace(name, '\"', ''), value FROM stats WHERE name LIKE 'moses_violations_total%' ORDER BY name",
        ])
        for rule in Self.rules {
            #expect(stats.stdout.contains("moses_violations_total{rule=\(rule)},0"), "stats: \(stats.stdout) \(stats.stderr)")
        }
    }
}
