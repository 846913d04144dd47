#if canImport(Glibc)
import Glibc
#endif
import Governance
import WireFormats
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
        let outcome = try LedgerExport.export(
            from: try AuditDatabase.openReader(path: path), filter: filter, sourceName: path) { lines.append($0) }
        guard case .written = outcome else { throw ExportRefused(outcome: outcome) }
        return lines
    }

    struct ExportRefused: Error { var outcome: LedgerExportOutcome }

    /// Alters one stored row's detail behind the writer's back, as an attacker with the file would.
    static func tamper(_ path: String, seq: Int) throws {
        let database = try Database(path: path, mode: .writer)
        try database.execute(sql: "UPDATE ledger SET detail = 'tampered' WHERE seq = \(seq)")
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
        // Each line carries its row's stored links, and is what chaining the content afresh
        // from the genesis value gives (the stored chain is the canonical one).
        let rows = try reader.makeStatement(sql: "SELECT previous_hash, hash FROM ledger ORDER BY seq")
        var previous = MosesLedgerRecord.zeroHash
        for line in lines {
            #expect(try rows.step())
            let record = try MosesLedgerRecord(line: Array(line.utf8))
            #expect(record.previousHash == rows.text(at: 0) && record.hash == rows.text(at: 1))
            var members = try #require(record.object.members).filter { $0.key != "hash" && $0.key != "previous_hash" }
            members.append(.init("previous_hash", .string(previous)))
            let unsealed = try MosesLedgerRecord(object: .object(members))
            members.append(.init("hash", .string(unsealed.computedHash)))
            #expect(try MosesLedgerRecord(object: .object(members)).fileLine == line)
            previous = record.hash ?? ""
        }
        #expect(try !rows.step())
    }

    @Test func aTamperedStoreIsRefusedWithTheFirstBrokenRow() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        try Self.tamper(path, seq: 5)
        var emitted = 0
        let outcome = try LedgerExport.export(from: try AuditDatabase.openReader(path: path), filter: LedgerExportFilter()) { _ in
            emitted += 1
        }
        guard case .refused(let check) = outcome else {
            Issue.record("a tampered store was exported: \(outcome)")
            return
        }
        #expect(emitted == 0)
        #expect(check.firstBreak?.seq == 5 && check.firstBreak?.line == 5)
        #expect(check.firstBreak?.description.hasPrefix("row 5 (seq 5): hash mismatch") == true)
        // A filter does not launder it either.
        let filtered = try LedgerExport.export(
            from: try AuditDatabase.openReader(path: path), filter: LedgerExportFilter(rule: .sequence)) { _ in emitted += 1 }
        #expect(emitted == 0)
        if case .written = filtered { Issue.record("a filtered export of a tampered store was written") }
    }

    @Test func aForcedExportOfATamperedStoreFailsVerifyAtThatRow() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        try Self.tamper(path, seq: 7)
        var lines: [String] = []
        let outcome = try LedgerExport.export(
            from: try AuditDatabase.openReader(path: path), filter: LedgerExportFilter(), force: true) { lines.append($0) }
        guard case .written(let count, let check) = outcome else {
            Issue.record("a forced export was refused")
            return
        }
        #expect(count == 41 && lines.count == 41 && check.firstBreak?.seq == 7)
        #expect(lines[6].contains("\"detail\": \"tampered\""))
        let file = directory.file("forced.jsonl")
        Self.write(lines, to: file)
        let result = try LedgerVerification.verifyFile(at: file)
        #expect(result.firstBreak?.line == 7)
        #expect(result.firstBreak?.reason.contains("hash mismatch") == true)
        #expect(result.breakCount == 1)

        // Forced with a filter: the new chain holds, but its header says the source was
        // broken, so verify still fails.
        var derived: [String] = []
        try LedgerExport.export(
            from: try AuditDatabase.openReader(path: path), filter: LedgerExportFilter(rule: .sequence), sourceName: path,
            force: true) { derived.append($0) }
        let derivedFile = directory.file("forced-derived.jsonl")
        Self.write(derived, to: derivedFile)
        let derivedResult = try LedgerVerification.verifyFile(at: derivedFile)
        #expect(derivedResult.firstBreak?.line == 1)
        #expect(derivedResult.firstBreak?.reason.contains("derived from a store whose chain was broken (row 7 (seq 7)") == true)
    }

    @Test func aStoreTruncatedAfterACheckIsCaughtAtTheCheckpoint() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let first = try LedgerVerification.verifyStore(try AuditDatabase.openReader(path: path))
        let checkpoint = try #require(first.lastRow)
        #expect(checkpoint.seq == 41 && checkpoint.position == 41)
        do {
            let database = try Database(path: path, mode: .writer)
            try database.execute(sql: "DELETE FROM ledger WHERE seq >= 40")
        }
        let reader = try AuditDatabase.openReader(path: path)
        // The chain that is left holds on its own; only the checkpoint shows rows went.
        #expect(try LedgerVerification.verifyStore(reader).isIntact)
        let found = try LedgerVerification.checkpointBreak(checkpoint, in: reader)
        #expect(found?.seq == 41 && found?.reason.contains("gone") == true)
    }

    @Test func anIncrementalCheckResumesAndFindsALaterTamperedRow() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let reader = try AuditDatabase.openReader(path: path)
        let chunk = try LedgerVerification.verifyStore(reader, maxRows: 10)
        #expect(chunk.entries == 10 && chunk.isIntact && chunk.lastRow?.seq == 10)
        try Self.tamper(path, seq: 23)
        let next = try LedgerVerification.verifyStore(try AuditDatabase.openReader(path: path), after: chunk.lastRow, maxRows: 100)
        #expect(next.entries == 31)
        #expect(next.firstBreak?.seq == 23 && next.firstBreak?.line == 23)
    }

    @Test func filteredExportsChainOnTheirOwn() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let filter = LedgerExportFilter(conversation: "telegram:group:2", rule: .auditBeforeResponse)
        let one = try Self.exportLines(path, filter)
        #expect(one.count == 11)
        #expect(one.dropFirst().allSatisfy { $0.contains("conversation=telegram:group:2") && $0.contains("audit_before_response_violation") })
        let window = try Self.exportLines(path, LedgerExportFilter(since: 1_763_990_000_010, until: 1_763_990_000_020))
        #expect(window.count == 11)
        let head = try AuditDatabase.openReader(path: path).singleText(sql: "SELECT hash FROM ledger WHERE seq = 41")
        for (name, lines) in [("one", one), ("window", window)] {
            let file = directory.file("\(name).jsonl")
            Self.write(lines, to: file)
            let result = try LedgerVerification.verifyFile(at: file)
            #expect(result.isIntact, "\(name)")
            #expect(result.derivedFrom?.sourceStore == path && result.derivedFrom?.headHash == head)
            #expect(result.derivedFrom?.headSeq == 41 && result.derivedFrom?.sourceRows == 41)
            #expect(result.description.contains("derived from store \(path) at head \(head!)"))
        }
        let header = try #require(DerivedExportHeader(try MosesLedgerRecord(line: Array(one[0].utf8))))
        #expect(header.filter == filter)
        #expect(header.filterDescription == "conversation=telegram:group:2 rule=audit_before_response")
    }

    @Test func aTamperedDerivedExportFailsVerify() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let original = try Self.exportLines(path, LedgerExportFilter(rule: .sequence))
        // A changed row, and a header claiming another head: both break the chain.
        for (index, from, to) in [(4, "flagged", "cleared"), (0, "\"source_rows\": 41", "\"source_rows\": 40")] {
            var lines = original
            #expect(lines[index].contains(from))
            lines[index] = lines[index].replacingOccurrences(of: from, with: to)
            let file = directory.file("tampered-\(index).jsonl")
            Self.write(lines, to: file)
            let result = try LedgerVerification.verifyFile(at: file)
            #expect(result.firstBreak?.line == index + 1, "\(result)")
            #expect(result.firstBreak?.reason.contains("hash mismatch") == true)
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
        try Self.tamper(path, seq: 5)
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

    /// A forger's file: `lines` with line `index`'s detail replaced and every line from there
    /// on re-chained, so its own chain holds.
    static func forged(_ lines: [String], at index: Int, detail: String) throws -> [String] {
        var result = Array(lines[..<index])
        var previous = try MosesLedgerRecord(line: Array(lines[index - 1].utf8)).hash ?? ""
        for (offset, line) in lines[index...].enumerated() {
            var members = try #require(try MosesLedgerRecord(line: Array(line.utf8)).object.members)
                .filter { $0.key != "hash" }
                .map { member -> JSONValue.Member in
                    switch member.key {
                    case "previous_hash": JSONValue.Member("previous_hash", .string(previous))
                    case "detail" where offset == 0: JSONValue.Member("detail", .string(detail))
                    default: member
                    }
                }
            let hash = try MosesLedgerRecord(object: .object(members)).computedHash
            members.append(.init("hash", .string(hash)))
            result.append(try MosesLedgerRecord(object: .object(members)).fileLine)
            previous = hash
        }
        return result
    }

    @Test func aForgedChainPassesAloneAndFailsAgainstTheStore() throws {
        let directory = TemporaryDirectory()
        let path = try Self.makeStore(in: directory)
        let reader = try AuditDatabase.openReader(path: path)
        for filter in [LedgerExportFilter(), LedgerExportFilter(rule: .sequence)] {
            let lines = try Self.exportLines(path, filter)
            let file = directory.file("export.jsonl")
            Self.write(lines, to: file)
            let genuine = try LedgerVerification.verifyFile(at: file, against: reader)
            #expect(genuine.isIntact, "\(genuine)")
            #expect(genuine.storeMatch?.contains("\(lines.count - (filter.isEmpty ? 0 : 1)) rows") == true, "\(genuine)")

            let forged = try Self.forged(lines, at: 3, detail: "nothing to see")
            Self.write(forged, to: file)
            #expect(try LedgerVerification.verifyFile(at: file).isIntact, "the forger's chain holds on its own")
            let caught = try LedgerVerification.verifyFile(at: file, against: reader)
            #expect(caught.firstBreak?.line == 4, "\(caught)")
            #expect(caught.firstBreak?.reason.contains("differs from the store's row seq") == true)

            // A row left out, the rest re-chained: the store still has it.
            var shortened = lines
            shortened.remove(at: 5)
            Self.write(try Self.forged(shortened, at: 5, detail: "also nothing"), to: file)
            #expect(!(try LedgerVerification.verifyFile(at: file, against: reader).isIntact))
        }
        // A derived file cut short at its end: its filter selects more up to its head.
        var cut = try Self.exportLines(path, LedgerExportFilter(rule: .sequence))
        cut.removeLast()
        let file = directory.file("cut.jsonl")
        Self.write(cut, to: file)
        let short = try LedgerVerification.verifyFile(at: file, against: reader)
        #expect(short.firstBreak?.reason.contains("the file ends before the store's row seq") == true, "\(short)")
        // An unfiltered prefix is the store's rows as stored; the rows since are counted.
        var prefix = try Self.exportLines(path)
        prefix.removeLast(3)
        Self.write(prefix, to: file)
        let older = try LedgerVerification.verifyFile(at: file, against: reader)
        #expect(older.isIntact && older.storeMatch?.contains("the store has 3 more after them") == true, "\(older)")
    }
}
