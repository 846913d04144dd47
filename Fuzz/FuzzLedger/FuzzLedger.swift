import FuzzSupport
import Governance
import WireFormats

/// A MO§ES ledger line per input: the fast flat path and the general parser must agree, the
/// canonical hash and the file line must render, and a timestamp that parses must survive a
/// round trip through its rendering. A trap or a disagreement is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzLedgerLine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let fast = try? MosesLedgerRecord.ledgerEntry(parsing: bytes, line: 1)
    if let record = try? MosesLedgerRecord(line: bytes) {
        let general = record.ledgerEntry(line: 1)
        precondition(fast == general, "the flat path and the general parser disagree")
        _ = record.canonicalBytes
        _ = record.fileLine
        if let text = record.timestamp, let milliseconds = LedgerTimestamp.milliseconds(from: text) {
            precondition(GovernanceEvent.validTimes.contains(milliseconds))
            let rendered = LedgerTimestamp.string(fromMilliseconds: milliseconds)
            precondition(LedgerTimestamp.milliseconds(from: rendered) == milliseconds, "timestamp round trip")
        }
    } else {
        precondition(fast == nil, "the flat path accepted a line the general parser refuses")
    }
    if let entry = fast {
        var engine = GovernanceEngine()
        var violations: [Violation] = []
        engine.process(GovernanceEvent(at: entry.timestamp ?? 0, kind: .ledgerEntry(entry)), into: &violations)
        engine.finish(into: &violations)
        for violation in violations { _ = violation.jsonLine }
    }
    return 0
}

runFuzzTarget(fuzzLedgerLine)
