import Foundation
import Testing

/// `Samples/README.md`'s two-terminal recipe, run as written: its shell blocks in order, from
/// the repository root, `moses-coordinator` being the built binary. Only the directory
/// (`/tmp/moses-try`) and the port (18789) are swapped, so that runs cannot collide.
@Suite struct SamplesRecipeTests {
    static let recipeDirectory = "/tmp/moses-try"
    static let recipePort = "18789"

    /// The README's ```sh blocks, each as its commands (continuation lines joined).
    static func shellBlocks(of markdown: String) -> [[String]] {
        var blocks: [[String]] = [], current: [String]? = nil, pending = ""
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                if line == "```sh" { current = [] }
                continue
            }
            if line == "```" {
                blocks.append(current!)
                current = nil
                continue
            }
            if line.hasSuffix("\\") {
                pending += line.dropLast().trimmingCharacters(in: .whitespaces) + " "
            } else {
                current!.append(pending + line.trimmingCharacters(in: .whitespaces))
                pending = ""
            }
        }
        return blocks
    }

    /// A recipe command as argv for the binary, or nil when it is not a `moses-coordinator` one.
    static func coordinatorArguments(_ command: String) -> [String]? {
        let words = command.split(separator: " ").map(String.init)
        guard words.first == "moses-coordinator" else { return nil }
        return Array(words.dropFirst())
    }

    @Test func twoTerminalRecipeFindsEveryViolation() async throws {
        let readme = try String(contentsOf: CoordinatorBinary.repository.appendingPathComponent("Samples/README.md"), encoding: .utf8)
        let blocks = Self.shellBlocks(of: readme)
        try #require(blocks.count == 3, "terminal 1, terminal 2, query: \(blocks)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = CoordinatorBinary.repository
        func localized(_ command: String) -> String {
            command.replacingOccurrences(of: Self.recipeDirectory, with: directory.path)
        }
        func shell(_ command: String) throws -> CoordinatorBinary.Result {
            let binaries = CoordinatorBinary.url.deletingLastPathComponent().path
            return try CoordinatorBinary.run(
                ["-c", "cd '\(root.path)' && \(localized(command))"],
                environment: ["PATH": "\(binaries):/usr/bin:/bin"], program: "/bin/sh")
        }

        // Terminal 1: the preparation, then the simulator (on a free port: --port 0).
        let terminal1 = blocks[0]
        for command in terminal1 where Self.coordinatorArguments(command) == nil {
            let prepared = try shell(command)
            #expect(prepared.status == 0, "\(command): \(prepared.stderr)")
        }
        let simulateLine = try #require(terminal1.last)
        var simulateArguments = try #require(Self.coordinatorArguments(localized(simulateLine)))
        #expect(simulateArguments.first == "simulate")
        let portIndex = try #require(simulateArguments.firstIndex(of: Self.recipePort))
        simulateArguments[portIndex] = "0"
        let simulator = try RunCommandTests.Child(simulateArguments, in: directory, name: "simulate", workingDirectory: root)
        defer { simulator.terminate() }
        #expect(await RunCommandTests.waitUntil { simulator.stdout.contains("listening on") }, "simulate: \(simulator.stderr)")
        let port = try #require(simulator.stdout.split(separator: ":").last.map { $0.filter(\.isNumber) })

        // Terminal 2: the coordinator, until every expected violation is logged.
        let runLine = try #require(blocks[1].first)
        let runArguments = try #require(Self.coordinatorArguments(
            localized(runLine).replacingOccurrences(of: "127.0.0.1:\(Self.recipePort)", with: "127.0.0.1:\(port)")))
        #expect(runArguments.first == "run")
        let run = try RunCommandTests.Child(runArguments, in: directory, name: "run", workingDirectory: root)
        defer { run.terminate() }
        let expected = try String(contentsOf: CoordinatorBinary.captures.appendingPathComponent("every-violation.expected.jsonl"), encoding: .utf8)
        let expectedCount = expected.split(separator: "\n").count
        #expect(await RunCommandTests.waitUntil(seconds: 30) {
            run.stderr.components(separatedBy: "governance violation:").count - 1 >= expectedCount
        }, "run: \(run.stderr)\nsimulate: \(simulator.stderr)")
        run.process.interrupt()  // Ctrl-C
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "run: \(run.stderr)")

        // Then the query, through the shell as typed.
        let query = try shell(try #require(blocks[2].first))
        #expect(query.status == 0, "query: \(query.stderr)")
        for rule in ["sequence", "audit_before_response", "posture", "role", "mode", "drift", "ledger_integrity"] {
            #expect(query.stdout.contains(rule), "query: \(query.stdout)")
        }
    }
}
