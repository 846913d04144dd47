import Foundation
import Testing

/// `demo` runs the built binary end to end: simulator, lws client, normalizer, engine, store.
@Suite struct DemoCommandTests {
    @Test func demoFindsTheSameViolationsAsTheReplayOfItsScenario() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("audit.db").path
        let result = try CoordinatorBinary.run(["demo", "--format", "json", "--db", database])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let expected = try String(contentsOf: CoordinatorBinary.captures.appendingPathComponent("every-violation.expected.jsonl"), encoding: .utf8)
        #expect(Set(result.stdout.split(separator: "\n")) == Set(expected.split(separator: "\n")))
        // The command it suggests works as printed, from a shell without the binary on PATH.
        let explore = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("explore them: ") })
        let shell = try CoordinatorBinary.run(
            ["-c", String(explore.dropFirst("explore them: ".count))], environment: ["PATH": "/usr/bin:/bin"], program: "/bin/sh")
        #expect(shell.status == 0, "\(explore): \(shell.stderr)")
        #expect(shell.stdout.contains("audit_before_response"), "\(explore): \(shell.stdout)")
        // Stored before printed: the store holds every printed violation.
        let query = try CoordinatorBinary.run(["query", "--db", database, "--format", "csv", "SELECT count(*) AS n FROM violations"])
        #expect(query.stdout.contains("\(expected.split(separator: "\n").count)"))
    }

    @Test func runDryRunNeedsNoTokenOnArgv() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token").path
        _ = FileManager.default.createFile(atPath: tokenFile, contents: Data("secret-token\n".utf8))
        let identity = directory.appendingPathComponent("state/identity.json").path
        let result = try CoordinatorBinary.run([
            "run", "--dry-run", "--token-file", tokenFile, "--identity", identity,
            "--db", directory.appendingPathComponent("audit.db").path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("token present"))
        #expect(!result.stdout.contains("secret-token") && !result.stderr.contains("secret-token"))
        let attributes = try FileManager.default.attributesOfItem(atPath: identity)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }
}
