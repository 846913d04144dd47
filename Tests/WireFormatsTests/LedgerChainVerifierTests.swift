import Governance
import Testing

import WireFormats

@Suite struct LedgerChainVerifierTests {
    /// A ledger of `count` entries made by `MosesLedgerRecord.make`, chained from `start`.
    static func ledger(count: Int, from start: String = MosesLedgerRecord.zeroHash) -> [String] {
        var previous = start
        var lines: [String] = []
        for index in 0..<count {
            let record = MosesLedgerRecord.make(
                timestampMicroseconds: 1_767_225_600_000_000 + Int64(index) * 1_000_123,
                agent: ["primary", "secondary", "observer"][index % 3], action: "respond",
                detail: "entry \(index) ☃", state: .default, previousHash: previous)
            previous = record.hash!
            lines.append(record.fileLine)
        }
        return lines
    }

    static func verify(_ lines: [String]) -> LedgerChainVerifier {
        var verifier = LedgerChainVerifier()
        for line in lines { verifier.feed(Array(line.utf8)) }
        return verifier
    }

    @Test func goodLedgerIsIntact() {
        let verifier = Self.verify(Self.ledger(count: 10))
        #expect(verifier.isIntact)
        #expect(verifier.entryCount == 10)
        #expect(verifier.breakCount == 0)
    }

    @Test func genesisThenEntriesIsIntact() {
        var lines = [MosesLedgerRecordTests.genesisLine]
        lines += Self.ledger(count: 3, from: "5c28b46286b44234b55dbe40e0b28b8950a1611380512a4546f3673d8afb3ba6")
        let verifier = Self.verify(lines)
        #expect(verifier.isIntact)
        #expect(verifier.entryCount == 4)
    }

    @Test func firstLineMayClaimAnyPreviousHash() {
        let verifier = Self.verify(Self.ledger(count: 3, from: String(repeating: "ab", count: 32)))
        #expect(verifier.isIntact)
    }

    @Test func tamperedLineIsReportedOnceWithItsNumber() throws {
        var lines = Self.ledger(count: 5)
        // Rewrite line 3's detail but keep its hash: a hash mismatch on line 3 only.
        var record = try MosesLedgerRecord(line: Array(lines[2].utf8)).object.members!
        let index = record.firstIndex(where: { $0.key == "detail" })!
        record[index].value = .string("forged")
        lines[2] = JSONValue.object(record).pythonJSONString(.fileLine)
        let verifier = Self.verify(lines)
        #expect(verifier.firstBreak?.line == 3)
        guard case .hashMismatch = verifier.firstBreak?.reason else {
            Issue.record("expected a hash mismatch, got \(String(describing: verifier.firstBreak))")
            return
        }
        #expect(verifier.breakCount == 1)
    }

    @Test func deletedLineBreaksTheLink() {
        var lines = Self.ledger(count: 5)
        lines.remove(at: 1)
        let verifier = Self.verify(lines)
        #expect(verifier.firstBreak?.line == 2)
        guard case .linkBroken(let expected, _) = verifier.firstBreak?.reason else {
            Issue.record("expected a broken link")
            return
        }
        #expect(expected == (try? MosesLedgerRecord(line: Array(lines[0].utf8)))?.hash)
        #expect(verifier.breakCount == 1)
    }

    @Test func malformedLineIsReportedAndTheChainRestarts() {
        var lines = Self.ledger(count: 4)
        lines.insert(#"{"agent": "primary", "hash": "#, at: 2)
        let verifier = Self.verify(lines)
        #expect(verifier.firstBreak?.line == 3)
        guard case .malformed(let error) = verifier.firstBreak?.reason else {
            Issue.record("expected a malformed line")
            return
        }
        #expect(error.code == .truncated)
        #expect(error.line == 3)
        #expect(verifier.breakCount == 1)
    }

    @Test func blankLinesAreSkippedButCounted() {
        var lines = Self.ledger(count: 3)
        lines.insert("", at: 1)
        lines.append("\r")
        var verifier = Self.verify(lines)
        #expect(verifier.isIntact)
        #expect(verifier.lineCount == 5)
        #expect(verifier.entryCount == 3)
        let breaks = verifier.feed(Array(#"{"previous_hash": "nope", "hash": "nope"}"#.utf8))
        #expect(breaks.map(\.line) == [6, 6])
    }
}
