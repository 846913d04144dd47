import Foundation
import Testing

/// Golden tests: each capture replayed by the built binary gives exactly the expected
/// violations (reviewed by hand when they were recorded; see `Captures/`).
@Suite struct ReplayCommandTests {
    static let goldens: [(capture: String, expected: String)] = [
        ("Samples/every-violation.jsonl", "every-violation.expected.jsonl"),
        ("Tests/CoordinatorCLITests/Captures/legacy-seed.jsonl", "legacy-seed.expected.jsonl"),
        ("Tests/CoordinatorCLITests/Captures/protocol-shapes.jsonl", "protocol-shapes.expected.jsonl"),
    ]

    @Test(arguments: goldens)
    func captureGivesExactlyTheExpectedViolations(capture: String, expected: String) throws {
        let path = CoordinatorBinary.repository.appendingPathComponent(capture).path
        let result = try CoordinatorBinary.run(["replay", path])
        let golden = try String(contentsOf: CoordinatorBinary.captures.appendingPathComponent(expected), encoding: .utf8)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == golden)
    }

    @Test func sampleBreaksEveryRule() throws {
        let path = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
        let result = try CoordinatorBinary.run(["replay", path])
        var rules = Set<String>()
        for line in result.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            rules.insert(try #require(object?["rule"] as? String))
        }
        #expect(rules == ["sequence", "audit_before_response", "posture", "role", "mode", "drift", "ledger_integrity"])
        #expect(result.stderr.contains("replay: 8 violations"))
    }

    @Test func replayingTwiceGivesTheSameVerdicts() throws {
        let path = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
        let first = try CoordinatorBinary.run(["replay", path])
        let second = try CoordinatorBinary.run(["replay", path])
        #expect(!first.stdout.isEmpty)
        #expect(first.stdout == second.stdout)
    }

    @Test func malformedLinesAreReportedWithTheirNumberAndSkipped() throws {
        let path = CoordinatorBinary.captures.appendingPathComponent("protocol-shapes.jsonl").path
        let result = try CoordinatorBinary.run(["replay", path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("skipped truncated input at byte 53 of line 4"))
        #expect(result.stderr.contains("of line 5"))
        #expect(result.stderr.contains("skipped trailing bytes after the value at byte 63 of line 9"))
        #expect(result.stderr.contains("3 malformed and 0 oversized lines skipped"))
        #expect(result.stdout.split(separator: "\n").count == 3, "the good lines around the bad ones were all judged")
    }

    @Test func captureOfOnlyMalformedLinesIsADataError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("garbage.jsonl").path
        try "not json\n{\"half\":\n\n[1,2]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CoordinatorBinary.run(["replay", path])
        #expect(result.status == 65, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("none of its 3 non-blank lines could be read"))
        #expect(result.stdout.isEmpty)
    }

    @Test func textFormatPrintsOneReadableLinePerViolation() throws {
        let path = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
        let result = try CoordinatorBinary.run(["replay", "--format", "text", path])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines.first == "2026-01-01T00:00:10.900000+00:00 sequence: observer (observer) responded in discord:group:4242 but secondary was expected (expected secondary; got observer)")
    }

    @Test func policyComesFromTheConfigurationFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replay-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let strict = directory.appendingPathComponent("strict.yaml")
        try "rules:\n  drift_repeat_limit: 2\n".write(to: strict, atomically: true, encoding: .utf8)
        let sample = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
        let result = try CoordinatorBinary.run(["replay", "--config", strict.path, sample])
        // The two role violations now count as drift normalized.
        #expect(result.stderr.contains("  drift: 2"))

        let bad = directory.appendingPathComponent("bad.yaml")
        try "rules:\n  drift_repeat_limit: -4\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try CoordinatorBinary.run(["replay", "--config", bad.path, sample])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bad.yaml:2:23: error[out-of-range] rules.drift_repeat_limit"))
        #expect(refused.stdout.isEmpty, "nothing is judged with an invalid policy")
    }

    @Test func replayStoresWhatItJudgesOnceHoweverOftenItRuns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replay-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("audit.db").path
        let sample = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
        let counts = "SELECT (SELECT count(*) FROM violations), (SELECT count(*) FROM responses), (SELECT count(*) FROM tool_calls), (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM state_changes), (SELECT count(*) FROM ledger)"
        var seen: [String] = []
        for _ in 0..<2 {
            let replay = try CoordinatorBinary.run(["replay", "--db", db, sample])
            #expect(replay.status == 0, "stderr: \(replay.stderr)")
            let query = try CoordinatorBinary.run(["query", "--db", db, "--format", "csv", counts])
            seen.append(query.stdout.split(separator: "\n").last.map(String.init) ?? "")
        }
        // 8 violations, 19 responses (one per run, not per frame), 3 tool calls, 18 ledger
        // lines, 3 state changes, 8 chained ledger rows; the second replay adds nothing.
        #expect(seen == ["8,19,3,18,3,8", "8,19,3,18,3,8"])
        let conversation = try CoordinatorBinary.run(["query", "--db", db, "--format", "csv",
            "SELECT conversation, cycle_position, responses, tool_calls, violations FROM conversations"])
        #expect(conversation.stdout.split(separator: "\n").last == "discord:group:4242,awaiting primary,19,3,7")
        let verify = try CoordinatorBinary.run(["verify", "--db", db])
        #expect(verify.status == 0, "stdout: \(verify.stdout) stderr: \(verify.stderr)")
    }

    @Test func unreadableCaptureIsAClearError() throws {
        let result = try CoordinatorBinary.run(["replay", "/nonexistent/capture.jsonl"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot read capture /nonexistent/capture.jsonl: No such file or directory"))
    }

    @Test func helpAndVersionWork() throws {
        let help = try CoordinatorBinary.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("replay"))
        let version = try CoordinatorBinary.run(["--version"])
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }
}
