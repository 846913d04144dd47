import Foundation
import Testing

/// Every command finds the store the way the service does: --db, else --config's
/// store.path, else the default configuration's (MOSES_COORDINATOR_CONFIG here, for
/// /etc/moses-coordinator/coordinator.yaml), else the packaged store path.
@Suite struct StoreLocationTests {
    static let packagedStore = "/var/lib/moses-coordinator/audit.db"

    /// A fresh directory with a store replayed from the every-violation sample and a
    /// configuration whose store.path names it.
    final class Workspace {
        let directory: URL
        var database: String { directory.appendingPathComponent("audit.db").path }
        var config: String { directory.appendingPathComponent("coordinator.yaml").path }

        init(replayed: Bool = true) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-store-location-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let yaml = """
                gateway:
                  identity_path: "\(directory.appendingPathComponent("identity.json").path)"
                store:
                  path: "\(directory.appendingPathComponent("audit.db").path)"

                """
            try yaml.write(toFile: config, atomically: true, encoding: .utf8)
            if replayed {
                let sample = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
                let replay = try CoordinatorBinary.run(["replay", "--db", database, sample])
                #expect(replay.status == 0, "stderr: \(replay.stderr)")
            }
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// This process's environment (HOME and all, as an operator's shell has) plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(extra) { $1 }
    }

    static let countViolations = "SELECT count(*) AS n FROM violations"

    @Test func queryWithOnlyConfigReadsItsStorePath() throws {
        let workspace = try Workspace()
        let result = try CoordinatorBinary.run(["query", "--config", workspace.config, "--format", "csv", Self.countViolations])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "n\n8\n")
    }

    @Test func queryExportVerifyWithNothingReadTheDefaultConfiguration() throws {
        let workspace = try Workspace()
        let environment = Self.environment(["MOSES_COORDINATOR_CONFIG": workspace.config])
        let query = try CoordinatorBinary.run(["query", "--format", "csv", Self.countViolations], environment: environment)
        #expect(query.status == 0, "stderr: \(query.stderr)")
        #expect(query.stdout == "n\n8\n")
        let export = try CoordinatorBinary.run(["export"], environment: environment)
        #expect(export.status == 0, "stderr: \(export.stderr)")
        #expect(export.stdout.split(separator: "\n").count == 8)
        let verify = try CoordinatorBinary.run(["verify"], environment: environment)
        #expect(verify.status == 0, "stdout: \(verify.stdout) stderr: \(verify.stderr)")
    }

    @Test(.enabled(if: !FileManager.default.fileExists(atPath: StoreLocationTests.packagedStore), "a packaged store exists on this machine"))
    func withNothingTheErrorSaysWhereItLookedAndWhatToPass() throws {
        for command in [["query", Self.countViolations], ["export"], ["verify"]] {
            let result = try CoordinatorBinary.run(command)
            #expect(result.status == 1, "\(command): stderr: \(result.stderr)")
            #expect(result.stderr.contains("no audit store found"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains(CoordinatorBinary.absentConfiguration), "\(command): \(result.stderr)")
            #expect(result.stderr.contains(Self.packagedStore), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("--db PATH") && result.stderr.contains("--config FILE"), "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("moses-coordinator.db"))
            #expect(!result.stderr.contains("USAGE"), "a missing store is not a usage error")
        }
    }

    @Test func runLoadsTheDefaultConfigurationAndSaysWhichFile() throws {
        let workspace = try Workspace(replayed: false)
        // --identity keeps a run that ignored the configuration from creating
        // /var/lib/moses-coordinator (its store would then fail to open there instead).
        let identity = workspace.directory.appendingPathComponent("identity.json").path
        let result = try CoordinatorBinary.run(
            ["run", "--dry-run", "--identity", identity],
            environment: Self.environment(["MOSES_COORDINATOR_CONFIG": workspace.config, "OPENCLAW_GATEWAY_TOKEN": "tok"]))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // The store named by the configuration, not the packaged path.
        #expect(FileManager.default.fileExists(atPath: workspace.database))
        #expect((result.stdout + result.stderr).contains("config.file=\(workspace.config)"))
    }

    /// The README's `query`, `export` and `verify` examples, run as printed (continuation
    /// lines joined) against the sample's store found through the default configuration.
    @Test func readmeExamplesRunAsPrinted() throws {
        let workspace = try Workspace()
        let examples = try Self.readmeExamples()
        #expect(examples.count >= 4, "examples found: \(examples)")
        for example in examples {
            let arguments = Self.shellWords(example)
            #expect(arguments.first == "moses-coordinator")
            let result = try CoordinatorBinary.run(
                Array(arguments.dropFirst()), environment: Self.environment(["MOSES_COORDINATOR_CONFIG": workspace.config]),
                directory: workspace.directory)
            #expect(result.status == 0, "\(example)\nstdout: \(result.stdout)\nstderr: \(result.stderr)")
        }
    }

    /// The command lines of the README's block that follows "Examples:".
    static func readmeExamples() throws -> [String] {
        let readme = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "Examples:"),
              let open = lines[start...].firstIndex(where: { $0.hasPrefix("```") }),
              let close = lines[(open + 1)...].firstIndex(where: { $0.hasPrefix("```") })
        else { return [] }
        var commands: [String] = []
        for line in lines[(open + 1)..<close] {
            if line.hasPrefix(" "), !commands.isEmpty {
                commands[commands.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if !line.isEmpty {
                commands.append(line)
            }
        }
        return commands.filter { line in ["query", "export", "verify"].contains { line.hasPrefix("moses-coordinator \($0)") } }
    }

    /// Splits a command line as a POSIX shell would for the quoting the README uses:
    /// whitespace outside quotes separates words, single and double quotes group.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
