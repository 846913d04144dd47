import Foundation
import Governance
import WireFormats
import Testing
import TestSupport
@testable import AuditStore

/// `query`, `export` and `verify` run as the built `moses-coordinator` binary against a
/// store written by the real writer.
@Suite struct StoreCommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary built beside this test bundle, output captured through files.
    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> Outcome {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let binary = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("moses-coordinator")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let outPath = directory.file("stdout-\(UUID().uuidString)"), errPath = directory.file("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Outcome(
            status: process.terminationStatus,
            stdout: try String(contentsOfFile: outPath, encoding: .utf8),
            stderr: try String(contentsOfFile: errPath, encoding: .utf8))
    }

    @Test func queryPrintsEveryFormat() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let sql = "SELECT rule, violations FROM violations_by_rule ORDER BY rule"
        let csv = try Self.run(["query", "--db", db, "--format", "csv", sql], in: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout == "rule,violations\naudit_before_response,20\nsequence,20\n")
        let jsonl = try Self.run(["query", "--db", db, "--format", "jsonl", sql], in: directory)
        #expect(jsonl.stdout == "{\"rule\":\"audit_before_response\",\"violations\":20}\n{\"rule\":\"sequence\",\"violations\":20}\n")
        let json = try Self.run(["query", "--db", db, "--format", "json", sql], in: directory)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 2)
        let table = try Self.run(["query", "--db", db, sql], in: directory)
        #expect(table.stdout.contains("sequence               20"))
        #expect(table.stdout.hasSuffix("(2 rows)\n"))
    }

    /// JSON keys come in the SELECT's column order, not sorted, in both JSON formats.
    @Test func queryJSONKeepsTheColumnOrder() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let sql = "SELECT violations, rule, 1 AS b, 2 AS a FROM violations_by_rule ORDER BY rule LIMIT 1"
        let jsonl = try Self.run(["query", "--db", db, "--format", "jsonl", sql], in: directory)
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        #expect(jsonl.stdout == "{\"violations\":20,\"rule\":\"audit_before_response\",\"b\":1,\"a\":2}\n")
        let json = try Self.run(["query", "--db", db, "--format", "json", sql], in: directory)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout == "[\n{\"violations\":20,\"rule\":\"audit_before_response\",\"b\":1,\"a\":2}\n]\n")
    }

    /// WAL: `query` reads while the writer holds its connection open and keeps writing.
    @Test func queryWorksWhileTheWriterIsOpen() throws {
        let directory = TemporaryDirectory()
        let db = directory.file("live.db")
        let writer = try AuditWriter(path: db, logger: Fixtures.logger)
        for index in 0..<30 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        try writer.flush()
        for index in 30..<60 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
        let result = try Self.run(["query", "--db", db, "--format", "csv", "SELECT count(*) >= 30 AS ok FROM violations"], in: directory)
        try writer.close()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ok\n1\n")
    }

    @Test func queryRejectsWritesWithAClearMessage() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let result = try Self.run(["query", "--db", db, "DELETE FROM violations"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("query rejected: DELETE is not allowed"))
        let count = try Self.run(["query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM violations"], in: directory)
        #expect(count.stdout == "n\n40\n")
    }

    @Test func querySchemaListsTablesViewsAndColumns() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let result = try Self.run(["query", "--db", db, "--schema"], in: directory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("table violations\n  id INTEGER\n  ts INTEGER\n"))
        #expect(result.stdout.contains("view violations_by_rule\n  rule"))
        let usage = try Self.run(["query", "--db", db], in: directory)
        #expect(usage.status == 64)
    }

    @Test func exportThenVerifyAndATamperedFile() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let file = directory.file("sequence.jsonl")
        let export = try Self.run(["export", "--db", db, "--rule", "sequence", "--output", file], in: directory)
        #expect(export.status == 0, "\(export.stderr)")
        let good = try Self.run(["verify", file], in: directory)
        #expect(good.status == 0)
        // The store's path as the header names it (realpath: $TMPDIR may be a symbolic link).
        let source = try #require(realpath(db, nil).map { String(cString: $0) })
        let head = try AuditDatabase.openReader(path: db).singleText(sql: "SELECT hash FROM ledger WHERE seq = 41")!
        #expect(good.stdout == "OK: 21 entries, chain intact; derived from store \(source) at head \(head) (seq 41, 41 rows), filter rule=sequence\n")
        let matched = try Self.run(["verify", file, "--db", db], in: directory)
        #expect(matched.status == 0, "\(matched.stdout)")
        #expect(matched.stdout.hasSuffix("; every row matches store \(db) at head seq 41 (20 rows)\n"), "\(matched.stdout)")

        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: "high-integrity", with: "unrestricted")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try Self.run(["verify", file], in: directory)
        #expect(bad.status == 2)
        #expect(bad.stdout.hasPrefix("BROKEN: line 4: hash mismatch"))

        let missing = try Self.run(["verify", directory.file("absent.jsonl")], in: directory)
        #expect(missing.status == 1)
        let store = try Self.run(["verify", "--db", db], in: directory)
        #expect(store.status == 0)
        #expect(store.stdout == "OK: 41 entries, chain intact\n")
        let badRule = try Self.run(["export", "--db", db, "--rule", "nonsense"], in: directory)
        #expect(badRule.status == 64)
    }

    /// The attack: alter a stored row, export, and have `verify` call the file intact.
    @Test func exportOfATamperedStoreIsRefusedAndForcedFilesFailVerify() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        let file = directory.file("all.jsonl")
        let clean = try Self.run(["export", "--db", db, "--output", file], in: directory)
        #expect(clean.status == 0, "\(clean.stderr)")
        // Untampered: byte for byte the stored chain (each row's fields and its stored links).
        let stored = try Self.run(
            ["query", "--db", db, "--format", "csv",
             "SELECT previous_hash, hash FROM ledger ORDER BY seq"], in: directory)
        let exported = try String(contentsOfFile: file, encoding: .utf8)
        let links = exported.split(separator: "\n").map { line -> String in
            let record = try! MosesLedgerRecord(line: Array(line.utf8))
            return "\(record.previousHash!),\(record.hash!)"
        }
        #expect("previous_hash,hash\n" + links.joined(separator: "\n") + "\n" == stored.stdout)
        var expected = ""
        let reader = try AuditDatabase.openReader(path: db)
        let rows = try reader.makeStatement(sql: Schema.ledgerRowColumns + " ORDER BY seq")
        while try rows.step() { expected += StoredLedgerRow(columnsOf: rows).storedRecord.fileLine + "\n" }
        #expect(exported == expected)

        try LedgerExportTests.tamper(db, seq: 5)
        let refusedFile = directory.file("refused.jsonl")
        let refused = try Self.run(["export", "--db", db, "--output", refusedFile], in: directory)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("export refused: the store's chain is broken at row 5 (seq 5): hash mismatch"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refusedFile))
        let refusedFiltered = try Self.run(["export", "--db", db, "--rule", "sequence"], in: directory)
        #expect(refusedFiltered.status == 2 && refusedFiltered.stdout.isEmpty)

        let forcedFile = directory.file("forced.jsonl")
        let forced = try Self.run(["export", "--db", db, "--force", "--output", forcedFile], in: directory)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("export forced"))
        let verdict = try Self.run(["verify", forcedFile], in: directory)
        #expect(verdict.status == 2)
        #expect(verdict.stdout.hasPrefix("BROKEN: line 5: hash mismatch"), "\(verdict.stdout)")
    }

    @Test func exportToStandardOutputWithATimeWindow() throws {
        let directory = TemporaryDirectory()
        let db = try LedgerExportTests.makeStore(in: directory)
        // Violation #i is at 1_763_990_000_000 + i ms = 2025-11-24T13:13:20.000Z + i ms.
        let result = try Self.run(
            ["export", "--db", db, "--since", "2025-11-24T13:13:20.010Z", "--until", "1763990000015",
             "--conversation", "discord:group:1"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)  // the derived_export header, #10, #12, #14
        #expect(lines.first?.contains("\"event\": \"derived_export\"") == true)
        #expect(lines.first?.contains("\"filter\": {\"since_ms\": 1763990000010, \"until_ms\": 1763990000015, \"conversation\": \"discord:group:1\", \"rule\": null}") == true)
        #expect(lines[1].contains("(#10)"))
    }
}
