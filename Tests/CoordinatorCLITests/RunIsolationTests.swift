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
        let gateway = try await SimulatedGateway.makePlayingSampleCapture()
        defer { gateway.remove() }
        let directory = gateway.directory, path = gateway.path
        // One listing per notification; each run replaces the last.
        try "#!/bin/sh\ncat > /dev/null\nexec ls -l /proc/self/fd > '\(path("fds.txt"))'\n".write(toFile: path("notify.sh"), atomically: true, encoding: .utf8)
        chmod(path("notify.sh"), 0o755)
        try gateway.writeConfiguration(extra: """
            notifications:
              exec_program: "\(path("notify.sh"))"
              suppression_window_ms: 0
            """)
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

    /// The write end of the daemon's signal pipe: its first pipe above the standard
    /// descriptors (made before any thread starts), found through /proc.
    static func signalPipeWriteEnd(of pid: Int32) -> Int32? {
        let directory = "/proc/\(pid)/fd"
        let pipes = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { name -> (Int32, String)? in
            guard let descriptor = Int32(name), descriptor > 2,
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)"),
                  target.hasPrefix("pipe:") else { return nil }
            return (descriptor, target)
        }.sorted { $0.0 < $1.0 }
        guard let first = pipes.first else { return nil }
        // Of the two ends of that pipe, the one open for writing.
        return pipes.filter { $0.1 == first.1 }.map(\.0).first { descriptor in
            let info = (try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(descriptor)", encoding: .utf8)) ?? ""
            let flags = info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap { Int($0.split(separator: "\t").last ?? "", radix: 8) }
            return flags.map { $0 & Int(O_ACCMODE) == Int(O_WRONLY) } ?? false
        }
    }

    /// Bytes written into the signal pipe from outside (here through /proc, as the same
    /// user) neither fake the halt (exit 78, which systemd would not restart) nor stop the
    /// daemon: only what its own signal handler raised counts.
    @Test func forgedSignalPipeBytesAreIgnored() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let run = try Child(["run", "--gateway", "ws://127.0.0.1:9", "--identity", path("id.json"), "--db", path("audit.db")],
                            in: directory, name: "run", environment: ["OPENCLAW_GATEWAY_TOKEN": "tok"])
        defer { run.terminate() }
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("moses-coordinator starting") }, "run: \(run.stderr)")
        let pid = run.process.processIdentifier
        let writeEnd = try #require(Self.signalPipeWriteEnd(of: pid), "no signal pipe in /proc/\(pid)/fd")
        let forged = open("/proc/\(pid)/fd/\(writeEnd)", O_WRONLY | O_CLOEXEC)
        #expect(forged >= 0)
        var bytes: [UInt8] = [255, UInt8(SIGTERM), UInt8(SIGINT)]
        #expect(write(forged, &bytes, bytes.count) == bytes.count)
        close(forged)
        // A real SIGHUP after them: once it is logged, the forged bytes before it were read.
        kill(pid, SIGHUP)
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("nothing to reload") }, "run: \(run.stderr)")
        #expect(run.process.isRunning, "run: \(run.stderr)")
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")
        #expect(!run.stderr.contains("gateway refused credentials"))
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
