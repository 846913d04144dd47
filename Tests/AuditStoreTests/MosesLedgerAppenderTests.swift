#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Governance
import Testing
import TestSupport
import WireFormats
@testable import AuditStore

@Suite struct MosesLedgerAppenderTests {
    /// A line as `audit_stub.py log` wrote it (the family's test vector, moses-family.md §3).
    static let stubLine = #"{"timestamp": "2026-11-24T16:00:40.444589+00:00", "agent": "primary", "component": "moses-governance", "action": "test", "detail": "h\u00e9llo", "outcome": "logged", "mode": "high-integrity", "posture": "defense", "role": "primary", "session_hash": null, "previous_hash": "0000000000000000000000000000000000000000000000000000000000000000", "hash": "c2f7acdee945fb293778fdfd8e8e3334567f3911ea2856aa3035ee7a8f0c206e"}"#

    static func readLines(_ path: String) -> [String] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var lines: [String] = []
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&buffer, &capacity, file) >= 0 {
            lines.append(String(cString: buffer!).trimmingNewline())
        }
        free(buffer)
        return lines
    }

    @Test func appendsChainedToAnExistingStubLedger() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit_ledger.jsonl")
        LedgerExportTests.write([Self.stubLine], to: path)
        let appender = MosesLedgerAppender(path: path)
        let record = try appender.append(Fixtures.violation(1))
        #expect(record.previousHash == "c2f7acdee945fb293778fdfd8e8e3334567f3911ea2856aa3035ee7a8f0c206e")
        #expect(record.agent == "coordinator" && record.action == "sequence_violation" && record.outcome == "flagged")
        try appender.append(Fixtures.violation(2, rule: .mode))
        let lines = Self.readLines(path)
        #expect(lines.count == 3)
        #expect(lines[2].contains("\"action\": \"mode_violation\""))
        #expect(try LedgerVerification.verifyFile(at: path).isIntact)
    }

    /// A ledger anchored by `lineage.py init` starts with a genesis line (no timestamp, agent
    /// or action); we chain to its hash like to any other.
    @Test func appendsAfterALineageGenesisLine() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit_ledger.jsonl")
        var members: [JSONValue.Member] = [
            .init("event", .string("genesis")),
            .init("lineage_anchor", .string(MosesLedgerRecord.lineageAnchor)),
            .init("patent_serial", .string("63/877,177")),
            .init("previous_hash", .string(MosesLedgerRecord.lineageAnchor)),
            .init("anchored_at", .string("2026-03-12T20:11:18.905326+00:00")),
        ]
        let hash = try MosesLedgerRecord(object: .object(members)).computedHash
        members.append(.init("hash", .string(hash)))
        LedgerExportTests.write([try MosesLedgerRecord(object: .object(members)).fileLine], to: path)
        let record = try MosesLedgerAppender(path: path).append(Fixtures.violation(1))
        #expect(record.previousHash == hash)
        let result = try LedgerVerification.verifyFile(at: path)
        #expect(result.isIntact && result.entries == 2, "\(result)")
    }

    @Test func startsANewLedgerFromTheGenesisValue() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit_ledger.jsonl")
        let record = try MosesLedgerAppender(path: path).append(Fixtures.violation(1))
        #expect(record.previousHash == MosesLedgerRecord.zeroHash)
        #expect(try LedgerVerification.verifyFile(at: path).entries == 1)
    }

    @Test func aMissingFinalNewlineIsRepaired() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit_ledger.jsonl")
        let file = fopen(path, "w")!
        fputs(Self.stubLine, file)  // no newline
        fclose(file)
        try MosesLedgerAppender(path: path).append(Fixtures.violation(1))
        #expect(Self.readLines(path).count == 2)
        #expect(try LedgerVerification.verifyFile(at: path).isIntact)
    }

    @Test func aMalformedLastLineIsReportedAndLeftAlone() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit_ledger.jsonl")
        LedgerExportTests.write([Self.stubLine, "{\"timestamp\": \"2026-11-24T16:0"], to: path)
        #expect {
            try MosesLedgerAppender(path: path).append(Fixtures.violation(1))
        } throws: { error in
            guard let error = error as? LedgerFileError, case .lastLineMalformed = error.kind else { return false }
            return true
        }
        #expect(Self.readLines(path).count == 2)
    }

    /// Appenders on separate descriptors, in parallel, keep one valid chain.
    @Test func concurrentAppendersKeepOneChain() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit_ledger.jsonl")
        LedgerExportTests.write([Self.stubLine], to: path)
        let appenders = 6
        let perAppender = 40
        let failures = Synchronization.Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: appenders) { worker in
            let appender = MosesLedgerAppender(path: path)
            for index in 0..<perAppender {
                do {
                    try appender.append(Fixtures.violation(worker * 1000 + index))
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let result = try LedgerVerification.verifyFile(at: path)
        #expect(result.isIntact, "\(result)")
        #expect(result.entries == 1 + appenders * perAppender)
    }
}

extension String {
    func trimmingNewline() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}

@Suite struct WriterMosesLedgerTests {
    /// With a MO§ES ledger configured, the writer appends each newly stored violation once,
    /// after its commit; a replay appends nothing new.
    @Test func writerAppendsCommittedViolationsOnce() throws {
        let directory = TemporaryDirectory()
        let ledger = directory.file("audit_ledger.jsonl")
        LedgerExportTests.write([MosesLedgerAppenderTests.stubLine], to: ledger)
        var configuration = AuditWriter.Configuration()
        configuration.mosesLedgerPath = ledger
        for _ in 0..<2 {
            let writer = try AuditWriter(path: directory.file("store.db"), configuration: configuration, logger: Fixtures.logger)
            for index in 0..<25 { _ = writer.enqueue(.violation(Fixtures.violation(index))) }
            try writer.close()
        }
        let result = try LedgerVerification.verifyFile(at: ledger)
        #expect(result.isIntact, "\(result)")
        #expect(result.entries == 26)
    }
}
