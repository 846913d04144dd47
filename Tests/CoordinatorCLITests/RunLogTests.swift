import Foundation
import Testing
import TestSupport

/// What `run` writes to its log: the startup lines, one warning with its reason per failed
/// connect, one line per rejected reload, and no Swift debug spellings of values.
@Suite(.serialized) struct RunLogTests {
    typealias Child = RunCommandTests.Child

    /// Lines that print a value the Swift way instead of in words.
    static func debugSpellings(in log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { line in
            line.contains("Optional(") || line.contains("=nil") || line.contains(": nil") || line.contains("(nil)")
        }
    }

    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-runlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The environment without a gateway token.
    static var environmentWithoutToken: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key != "OPENCLAW_GATEWAY_TOKEN" }
    }

    @Test func unreachableGatewayWarnsOncePerAttemptWithTheReason() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let database = directory.appendingPathComponent("audit.db").path
        let run = try Child([
            "run", "--gateway", "ws://127.0.0.1:\(refusing.port)", "--identity", directory.appendingPathComponent("id.json").path,
            "--db", database,
        ], in: directory, name: "run", environment: Self.environmentWithoutToken)
        defer { run.terminate() }
        let attempt = "cannot reach ws://127.0.0.1:\(refusing.port)/: connection refused; retrying in "
        #expect(await RunCommandTests.waitUntil { run.stderr.components(separatedBy: attempt).count - 1 >= 3 }, "run: \(run.stderr)")
        run.process.terminate()
        run.process.waitUntilExit()
        let lines = run.stderr.split(separator: "\n").map(String.init)

        // Each failed attempt is one warning naming the reason; nothing else repeats it.
        let attempts = lines.filter { $0.contains(attempt) }
        #expect(attempts.allSatisfy { $0.contains(" warning ") }, "attempts: \(attempts)")
        #expect(lines.filter { $0.contains("retry") }.count == attempts.count, "run: \(run.stderr)")
        #expect(!run.stderr.contains("connection lost"))

        // The startup lines: the files in use, and a warning for the missing token.
        let startup = lines.first { $0.contains("moses-coordinator configuration") } ?? ""
        #expect(startup.contains(" notice "), "startup: \(startup)")
        #expect(startup.contains("config.file=none"), "startup: \(startup)")
        #expect(startup.contains("store.path=\(database)"), "startup: \(startup)")
        #expect(startup.contains("moses.ledger_path=none") && startup.contains("moses.state_path=none"), "startup: \(startup)")
        #expect(startup.contains("gateway.token_source=none"), "startup: \(startup)")
        let missingToken = lines.filter { $0.contains("no gateway token: a gateway that requires one will refuse the connection") }
        #expect(missingToken.count == 1 && missingToken.allSatisfy { $0.contains(" warning ") }, "run: \(run.stderr)")

        #expect(Self.debugSpellings(in: run.stderr + run.stdout).isEmpty, "debug spellings: \(Self.debugSpellings(in: run.stderr))")
    }

    @Test func connectedRunNamesItsTokenSourceAndPrintsNoDebugSpellings() async throws {
        let gateway = try await SimulatedGateway(scenario: #"{"waitForClients":1}"# + "\n")
        defer { gateway.remove() }
        try gateway.writeConfiguration()
        let run = try Child(["run", "--config", gateway.configurationPath], in: gateway.directory, name: "run", environment: Self.environmentWithoutToken)
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("gateway connection ready") }, "run: \(run.stderr)")
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")

        let startup = run.stderr.split(separator: "\n").first { $0.contains("moses-coordinator configuration") } ?? ""
        #expect(startup.contains("config.file=\(gateway.configurationPath)"), "startup: \(startup)")
        #expect(startup.contains("gateway.token_source=token file \(gateway.path("token"))"), "startup: \(startup)")
        #expect(startup.contains("moses.ledger_path=\(gateway.path("audit_ledger.jsonl"))"), "startup: \(startup)")
        #expect(startup.contains("moses.state_path=\(gateway.path("state.json"))"), "startup: \(startup)")
        #expect(!run.stderr.contains("no gateway token"))
        #expect(!run.stderr.contains("tok\n") && !run.stderr.contains("=tok "), "the token leaked: \(run.stderr)")
        #expect(Self.debugSpellings(in: run.stderr + run.stdout).isEmpty, "debug spellings: \(Self.debugSpellings(in: run.stderr))")
    }

    @Test func tokenFromTheEnvironmentIsNamedNotShown() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = Self.environmentWithoutToken
        environment["OPENCLAW_GATEWAY_TOKEN"] = "secret-token-value"
        let result = try CoordinatorBinary.run([
            "run", "--dry-run", "--identity", directory.appendingPathComponent("id.json").path,
            "--db", directory.appendingPathComponent("audit.db").path,
        ], environment: environment)
        #expect(result.status == 0, "run: \(result.stderr)")
        #expect(result.stderr.contains("gateway.token_source=OPENCLAW_GATEWAY_TOKEN"), "run: \(result.stderr)")
        #expect(!result.stderr.contains("secret-token-value"))
        #expect(!result.stderr.contains("no gateway token"))
    }

    @Test func rejectedReloadPrintsItsErrorOnce() async throws {
        let gateway = try await SimulatedGateway(scenario: #"{"waitForClients":1}"# + "\n")
        defer { gateway.remove() }
        try gateway.writeConfiguration()
        let run = try Child(["run", "--config", gateway.configurationPath], in: gateway.directory, name: "run")
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("gateway connection ready") }, "run: \(run.stderr)")
        try gateway.writeConfiguration(extra: "rules:\n  drift_repeat_limit: -1\n")
        kill(run.process.processIdentifier, SIGHUP)
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("configuration reload rejected") }, "run: \(run.stderr)")
        // Let anything printed after the rejection arrive: the daemon answers a valid reload next.
        try gateway.writeConfiguration()
        kill(run.process.processIdentifier, SIGHUP)
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("configuration reloaded") }, "run: \(run.stderr)")
        #expect(run.stderr.components(separatedBy: "drift_repeat_limit").count - 1 == 1, "run: \(run.stderr)")
        #expect(Self.debugSpellings(in: run.stderr).isEmpty, "debug spellings: \(Self.debugSpellings(in: run.stderr))")
    }
}
