import Foundation
import Testing

/// The built binary's `simulate` playing a scenario on a loopback port, in a fresh directory
/// that also holds the files `run` is pointed at: `token`, an empty `audit_ledger.jsonl`, a
/// `state.json` in high-integrity defense with Primary's turn, and the `audit.db` to come.
struct SimulatedGateway {
    typealias Child = RunCommandTests.Child

    let directory: URL
    let simulator: Child
    /// The simulator's port; 0 if it never said where it listens.
    let port: Int

    /// Starts `simulate` with `scenario`. `ledgerFile` and `stateFile` name the files in the
    /// directory that the scenario's `ledger` and `state` steps write; without them the
    /// simulator is given none.
    init(scenario: String, ledgerFile: String? = nil, stateFile: String? = nil, arguments extra: [String] = []) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-simulated-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try scenario.write(toFile: path("scenario.jsonl"), atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: path("token"), contents: Data("tok\n".utf8))
        _ = FileManager.default.createFile(atPath: path("audit_ledger.jsonl"), contents: Data())
        _ = FileManager.default.createFile(atPath: path("state.json"), contents: Data(#"{"mode":"high-integrity","posture":"defense","role":"primary"}"#.utf8))
        var arguments = ["simulate", "--port", "0", "--token-file", path("token"), "--scenario", path("scenario.jsonl")]
        if let ledgerFile { arguments += ["--ledger", path(ledgerFile)] }
        if let stateFile { arguments += ["--state", path(stateFile)] }
        arguments += extra
        let simulator = try Child(arguments, in: directory, name: "simulate")
        self.simulator = simulator
        #expect(await RunCommandTests.waitUntil { simulator.stdout.contains("listening on") }, "simulate: \(simulator.stderr)")
        port = Int(simulator.stdout.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? 0
    }

    /// The simulator playing the sample capture `Samples/every-violation.jsonl` as it is (the
    /// simulator reads captures), its ledger
    /// lines and state changes written to the `audit_ledger.jsonl` and `state.json` `run` watches.
    static func makePlayingSampleCapture() async throws -> SimulatedGateway {
        let capture = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl"), encoding: .utf8)
        return try await SimulatedGateway(
            scenario: capture, ledgerFile: "audit_ledger.jsonl", stateFile: "state.json")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var database: String { path("audit.db") }
    var configurationPath: String { path("coordinator.yaml") }

    /// A `run` configuration against this gateway: its gateway, MO§ES files (unless
    /// `watchingMosesFiles` is false, leaving the defaults), store and an ephemeral metrics
    /// port, followed by `extra` (whole top-level sections).
    func configuration(watchingMosesFiles: Bool = true, extra: String = "") -> String {
        var text = """
            gateway:
              url: "ws://127.0.0.1:\(port)"
              token_file: "\(path("token"))"
              identity_path: "\(path("identity.json"))"

            """
        if watchingMosesFiles {
            text += """
                moses:
                  ledger_path: "\(path("audit_ledger.jsonl"))"
                  state_path: "\(path("state.json"))"

                """
        }
        text += """
            store:
              path: "\(path("audit.db"))"
            metrics:
              address: "127.0.0.1:0"

            """
        return text + extra + (extra.isEmpty || extra.hasSuffix("\n") ? "" : "\n")
    }

    /// Writes `configuration(watchingMosesFiles:extra:)` to `configurationPath`.
    func writeConfiguration(watchingMosesFiles: Bool = true, extra: String = "") throws {
        try configuration(watchingMosesFiles: watchingMosesFiles, extra: extra)
            .write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }

    /// A simulator that waits for one client and then says nothing.
    static func makeQuiet() async throws -> SimulatedGateway {
        try await SimulatedGateway(scenario: #"{"waitForClients":1}"# + "\n")
    }

    /// `run` with this gateway's configuration (written first, `extra` appended) and
    /// `arguments`, once its connection is ready (an expectation fails if it never is).
    func startConnectedRun(_ arguments: [String] = [], configuration extra: String = "") async throws -> Child {
        try writeConfiguration(extra: extra)
        let run = try Child(["run", "--config", configurationPath] + arguments, in: directory, name: "run")
        #expect(await RunCommandTests.waitUntil { run.stderr.contains("gateway connection ready") }, "run: \(run.stderr)")
        return run
    }

    /// Stops the simulator and deletes the directory.
    func remove() {
        simulator.terminate()
        try? FileManager.default.removeItem(at: directory)
    }
}
