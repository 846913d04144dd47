#if canImport(Glibc)
import Glibc
#endif
import Governance
import Testing
import TestSupport
@testable import AuditStore

@Suite struct LedgerExportTests {
    /// Stores violations of two conversations and two rules through the real writer.
    static func makeStore(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("store.db")
        let writer = try AuditWriter(path: path, logger: Fixtures.logger)
        _ = writer.enqueue(.daemon(DaemonEvent(at: 1_763_989_999_000, kind: .start, detail: "started", state: Fixtures.state)))
        for index in 0..<40 {
            let conversation = index % 2 == 0 ? "discord:group:1" : "telegram:group:2"
            let rule: RuleID = index % 4 < 2 ? .sequence : .auditBeforeResponse
            _ = writer.enqueue(.violation(Fixtures.violation(index, conversation: conversation, rule: rule)))
        }
        try writer.close()
        return path
    }

    static func exportLines(_ path: String, _ filter: LedgerExportFilter = LedgerExportFilter()) throws -> [String] {
        var lines: [String] = []
        try LedgerExport.export(from: try AuditDatabase.openReader(path: path), filter: filter) { lines.append($0) }
        return lines
    }

    static func write(_ lines: [String], to path: String) {
        let file = fopen(path, "w")!
        for line in lines { fputs(line + "\n", file) }
        fclose(file)
    }

    @Test func exportVerifiesAndEqualsTheStoredChain() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let lines = try Self.exportLines(path)
        #expect(lines.count == 41)
        let exported = directory.file("export.jsonl")
        Self.write(lines, to: exported)
        let result = try LedgerVerification.verifyFile(at: exported)
        #expect(result.isIntact, "\(result)")
        #expect(result.entries == 41)
        // Unfiltered, the export is the stored chain itself.
        let reader = try AuditDatabase.openReader(path: path)
        let lastStored = try reader.singleText(sql: "SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1")
        #expect(lines.last!.contains("\"hash\": \"\(lastStored!)\""))
        #expect(lines[1].contains("\"agent\": \"coordinator\"") && lines[1].contains("\"outcome\": \"flagged\""))
        #expect(lines[1].contains("\"action\": \"sequence_violation\""))
        #expect(try LedgerVerification.verifyStore(reader).isIntact)
    }

    @Test func filteredExportsChainOnTheirOwn() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let one = try Self.exportLines(path, LedgerExportFilter(conversation: "telegram:group:2", rule: .auditBeforeResponse))
        #expect(one.count == 10)
        #expect(one.allSatisfy { $0.contains("conversation=telegram:group:2") && $0.contains("audit_before_response_violation") })
        let window = try Self.exportLines(path, LedgerExportFilter(since: 1_763_990_000_010, until: 1_763_990_000_020))
        #expect(window.count == 10)
        for (name, lines) in [("one", one), ("window", window)] {
            let file = directory.file("\(name).jsonl")
            Self.write(lines, to: file)
            #expect(try LedgerVerification.verifyFile(at: file).isIntact, "\(name)")
        }
    }

    @Test func aTamperedExportLineIsCaughtWithItsNumber() throws {
        let directory = TemporaryDirectory()
        var lines = try Self.exportLines(try Self.makeStore(in: directory))
        lines[6] = lines[6].replacingOccurrences(of: "\"outcome\": \"flagged\"", with: "\"outcome\": \"cleared\"")
        let file = directory.file("tampered.jsonl")
        Self.write(lines, to: file)
        let result = try LedgerVerification.verifyFile(at: file)
        #expect(!result.isIntact)
        #expect(result.firstBreak?.line == 7)
        #expect(result.firstBreak?.reason.contains("hash mismatch") == true)
    }

    @Test func aDeletedExportLineBreaksTheLink() throws {
        let directory = TemporaryDirectory()
        var lines = try Self.exportLines(try Self.makeStore(in: directory))
        lines.remove(at: 10)
        let file = directory.file("cut.jsonl")
        Self.write(lines, to: file)
        let result = try LedgerVerification.verifyFile(at: file)
        #expect(result.firstBreak?.line == 11)
        #expect(result.firstBreak?.reason.contains("previous_hash") == true)
    }

    @Test func aTamperedStoreRowIsCaughtByVerifyStore() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        do {
            let database = try Database(path: path, mode: .writer)
            try database.execute(sql: "UPDATE ledger SET detail = 'nothing happened' WHERE seq = 5")
        }
        let result = try LedgerVerification.verifyStore(try AuditDatabase.openReader(path: path))
        #expect(result.firstBreak?.line == 5)
        #expect(result.entries == 41)
    }

    @Test func aStoreMissingItsFirstRowsIsCaught() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        do {
            let database = try Database(path: path, mode: .writer)
            try database.execute(sql: "DELETE FROM ledger WHERE seq <= 2")
        }
        let result = try LedgerVerification.verifyStore(try AuditDatabase.openReader(path: path))
        #expect(result.firstBreak?.line == 1)
        #expect(result.firstBreak?.reason.contains("genesis") == true)
    }

    @Test func missingFileIsAnIOErrorNotABreak() throws {
        let directory = TemporaryDirectory()
        #expect(throws: LedgerFileError.self) { try LedgerVerification.verifyFile(at: directory.file("nope.jsonl")) }
    }
}
