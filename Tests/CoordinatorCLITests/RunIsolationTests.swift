import Foundation
import Testing

/// What reaches the daemon's surroundings: the descriptors an exec notification program
/// inherits, and the credentials of a gateway URL in logs, the store and its export.
@Suite(.serialized) struct RunIsolationTests {
    typealias Child = RunCommandTests.Child

    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-isolation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The descriptors in `ls -l /proc/self/fd` output, less the one `ls` opened to list them.
    static func descriptors(inListing listing: String) -> [Int] {
        listing.split(separator: "\n").compactMap { line -> Int? in
            let parts = line.components(separatedBy: " -> ")
            guard parts.count == 2, let name = parts[0].split(separator: " ").last, let descriptor = Int(name) else { return nil }
            return parts[1].hasPrefix("/proc/") && parts[1].hasSuffix("/fd") ? nil : descriptor
        }.sorted()
    }

    /// The daemon's exec channel program, run for a stored violation, holds standard input,
    /// output and error and nothing else: not the signal pipe (a byte on it once stopped the
    /// daemon with exit 78), the gateway socket, the store or the metrics listener.
    @Test func execNotificationProgramInheritsOnlyStandardDescriptors() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let capture = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl"), encoding: .utf8)
        try RunCommandTests.scenario(fromCapture: capture).write(toFile: path("scenario.jsonl"), atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: path("audit_ledger.jsonl"), contents: Data())
        FileManager.default.createFile(atPath: path("state.json"), contents: Data(#"{"mode":"high-integrity","posture":"defense","role":"primary"}"#.utf8))
        FileManager.default.createFile(atPath: path("token"), contents: Data("tok\n".utf8))
        // One listing per notification; each run replaces the last.
        try "#!/bin/sh\ncat > /dev/null\nexec ls -l /proc/self/fd > '\(path("fds.txt"))'\n".write(toFile: path("notify.sh"), atomically: true, encoding: .utf8)
        chmod(path("notify.sh"), 0o755)
        let simulator = try Child([
            "simulate", "--port", "0", "--token-file", path("token"), "--scenario", path("scenario.jsonl"),
            "--ledger", path("audit_ledger.jsonl"), "--state", path("state.json"),
        ], in: directory, name: "simulate")
        defer { simulator.terminate() }
        #expect(await RunCommandTests.waitUntil { simulator.stdout.contains("listening on") })
        let port = Int(simulator.stdout.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? 0
        let config = """
            gateway:
              url: "ws://127.0.0.1:\(port)"
              token_file: "\(path("token"))"
              identity_path: "\(path("identity.json"))"
            moses:
              ledger_path: "\(path("audit_ledger.jsonl"))"
              state_path: "\(path("state.json"))"
            store:
              path: "\(path("audit.db"))"
            notifications:
              exec_program: "\(path("notify.sh"))"
              suppression_window_ms: 0
            metrics:
              address: "127.0.0.1:0"

            """
        try config.write(toFile: path("coordinator.yaml"), atomically: true, encoding: .utf8)
        let run = try Child(["run", "--config", path("coordinator.yaml")], in: directory, name: "run")
        defer { run.terminate() }
        func listing() -> String { (try? String(contentsOfFile: path("fds.txt"), encoding: .utf8)) ?? "" }
        #expect(await RunCommandTests.waitUntil(seconds: 30) { listing().contains(" 2 -> ") }, "run: \(run.stderr)")
        #expect(Self.descriptors(inListing: listing()) == [0, 1, 2], "inherited: \(listing())")
        #expect(run.process.isRunning)
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
    }

    /// `user:password@` and `?token=` in the gateway URL reach neither the log, nor the
    /// store (its file bytes, WAL included), nor an export, nor `check-config`.
    @Test func gatewayURLCredentialsAreRedactedInLogsStoreAndExport() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let (simulator, port) = try await RunCommandTests().startSimulator(in: directory, token: "right-token")
        defer { simulator.terminate() }
        let url = "ws://user:hunter2userinfo@127.0.0.1:\(port)/?token=hunter2query"
        let secrets = ["hunter2userinfo", "hunter2query"]
        let run = try Child([
            "run", "--gateway", url, "--identity", path("id.json"), "--db", path("audit.db"),
        ], in: directory, name: "run", environment: ["OPENCLAW_GATEWAY_TOKEN": "right-token"])
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("gateway connection ready") }, "run: \(run.stderr)")
        // Before stopping, the WAL still holds what was written.
        let walWhileRunning = (try? Data(contentsOf: URL(fileURLWithPath: path("audit.db-wal")))) ?? Data()
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
        #expect(run.stderr.contains("watching") || run.stderr.contains("starting"), "run: \(run.stderr)")
        #expect(run.stderr.contains("127.0.0.1:\(port)/?***"), "run: \(run.stderr)")

        let detail = try CoordinatorBinary.run(["query", "--db", path("audit.db"), "--format", "csv",
                                                "SELECT detail FROM ledger WHERE kind = 'daemon' ORDER BY seq"])
        #expect(detail.stdout.contains("watching ws://***@127.0.0.1:\(port)/?***"), "ledger: \(detail.stdout)")
        let export = try CoordinatorBinary.run(["export", "--db", path("audit.db")])
        #expect(export.status == 0, "export: \(export.stderr)")
        #expect(export.stdout.contains("watching"))
        let store = (try Data(contentsOf: URL(fileURLWithPath: path("audit.db")))) + walWhileRunning
            + ((try? Data(contentsOf: URL(fileURLWithPath: path("audit.db-wal")))) ?? Data())
        let dryRun = try CoordinatorBinary.run(["run", "--dry-run", "--gateway", url, "--identity", path("id.json"), "--db", path("audit.db")])
        #expect(dryRun.status == 0, "dry run: \(dryRun.stderr)")
        for secret in secrets {
            #expect(!run.stderr.contains(secret), "\(secret) in the log")
            #expect(!detail.stdout.contains(secret), "\(secret) in the store's ledger")
            #expect(!export.stdout.contains(secret), "\(secret) in the export")
            #expect(store.range(of: Data(secret.utf8)) == nil, "\(secret) in the store's file")
            #expect(!(dryRun.stdout + dryRun.stderr).contains(secret), "\(secret) in run --dry-run")
        }
    }
}
