import Foundation
import Testing

/// `--log-level` and the configuration's `log_level` decide which lines the built binary
/// writes: debug lines only when asked for, the option over the file.
@Suite(.serialized) struct LogLevelTests {
    /// The log of `run` against a quiet simulated gateway, up to the connection being ready.
    func connectedRunLog(_ arguments: [String], configuration extra: String = "") async throws -> String {
        let gateway = try await SimulatedGateway.makeQuiet()
        defer { gateway.remove() }
        let run = try await gateway.startConnectedRun(arguments, configuration: extra)
        run.terminate()
        return run.stderr
    }

    static func lines(at level: String, in log: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains(" \(level) moses.") }
    }

    @Test func debugLinesAreWrittenAtDebugAndNotAtTheDefault() async throws {
        let debug = try await connectedRunLog(["--log-level", "debug"])
        let debugLines = Self.lines(at: "debug", in: debug)
        #expect(debugLines.contains { $0.contains("connecting to the gateway") }, "run: \(debug)")

        let standard = try await connectedRunLog([])
        #expect(Self.lines(at: "debug", in: standard).isEmpty, "run: \(standard)")
        #expect(!Self.lines(at: "notice", in: standard).isEmpty, "run: \(standard)")
    }

    @Test func theConfigurationSetsTheLevelAndTheOptionOverridesIt() async throws {
        let configured = try await connectedRunLog([], configuration: "log_level: debug")
        #expect(Self.lines(at: "debug", in: configured).contains { $0.contains("connecting to the gateway") }, "run: \(configured)")

        let overridden = try await connectedRunLog(["--log-level", "notice"], configuration: "log_level: debug")
        #expect(Self.lines(at: "debug", in: overridden).isEmpty, "run: \(overridden)")
        #expect(Self.lines(at: "info", in: overridden).isEmpty, "run: \(overridden)")
        #expect(!Self.lines(at: "notice", in: overridden).isEmpty, "run: \(overridden)")
    }

    /// The demo keeps its log to warnings unless asked; asked, it shows the store's commits.
    @Test func demoLogsDebugLinesOnlyWhenAsked() throws {
        let quiet = try CoordinatorBinary.run(["demo"])
        #expect(quiet.status == 0, "demo: \(quiet.stderr)")
        #expect(Self.lines(at: "debug", in: quiet.stderr).isEmpty && Self.lines(at: "notice", in: quiet.stderr).isEmpty, "demo: \(quiet.stderr)")

        let verbose = try CoordinatorBinary.run(["demo", "--log-level", "debug"])
        #expect(verbose.status == 0, "demo: \(verbose.stderr)")
        #expect(Self.lines(at: "debug", in: verbose.stderr).contains { $0.contains("audit batch committed") }, "demo: \(verbose.stderr)")
        #expect(verbose.stdout == quiet.stdout, "the violations printed do not depend on the log level")
    }

    @Test func anUnknownLevelIsAUsageError() throws {
        let result = try CoordinatorBinary.run(["run", "--log-level", "verbose", "--dry-run"])
        #expect(result.status == 64, "run: \(result.stderr)")
        #expect(result.stderr.contains("--log-level"), "run: \(result.stderr)")
    }
}
