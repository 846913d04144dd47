import FuzzSupport
import Governance
import WireFormats

/// A capture file per input, read as `replay` reads it and judged by the engine; the
/// violations are rendered as `replay` prints them. A trap anywhere is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCapture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var reader = CaptureReader(bytes: bytes, maximumLineBytes: 1 << 16)
    var engine = GovernanceEngine(state: reader.state)
    var violations: [Violation] = []
    var lines = 0
    try? reader.forEach({ event in
        precondition(GovernanceEvent.validTimes.contains(event.at), "an event time outside the valid range got through")
        engine.process(event, into: &violations)
        lines += 1
    }, refused: { error in
        precondition(error.line != nil, "a refused line without its number")
        lines += 1
    })
    engine.finish(into: &violations)
    precondition(UInt64(lines) == reader.counters.lines - reader.counters.blankLines, "a line was neither judged nor refused")
    for violation in violations {
        _ = violation.jsonLine
        _ = violation.textLine
    }
    return 0
}

runFuzzTarget(fuzzCapture)
