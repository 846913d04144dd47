import FuzzSupport
import Gateway
import Governance
import WireFormats

/// One gateway frame per input, down every path a live frame takes: the handshake decoding,
/// the one scan (checked against the strict parser), the client's reading of the scanned
/// frame, the normalizer from that same scan, the engine, and the violation's rendering. A
/// trap anywhere is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    // The handshake frames the client decodes before it is ready.
    _ = ConnectChallenge.decode(bytes)
    switch try? ConnectOutcome.decode(bytes) {
    case .accepted(let hello)?:
        precondition(HelloOk.Policy.tickIntervalRange.contains(hello.policy.tickIntervalMs), "tick interval out of range")
        precondition(HelloOk.Policy.maxPayloadRange.contains(hello.policy.maxPayload), "maxPayload out of range")
    case .rejected(let error)?:
        precondition(error.retryAfterMs.map(GatewayErrorShape.retryAfterRange.contains) ?? true, "retryAfterMs out of range")
        _ = error.recovery
    case nil:
        break
    }
    // What the client decodes off the hot path (history rows, messages without an id).
    if let json = OpaqueJSON.decode(bytes) {
        visitNumbers(in: json)
        _ = json.encoded()
    }
    let scanned = Result { () throws(FrameError) in try FrameScanner.scan(bytes) }
    let parsedIsObject = (try? JSONValue.parse(bytes))?.members != nil
    switch scanned {
    case .success: precondition(parsedIsObject, "the scanner accepted what the strict parser refuses")
    case .failure(let error):
        precondition(!parsedIsObject || error.code == .tooDeep, "the scanner refused (\(error)) what the strict parser accepts")
    }
    guard case .success(let frame) = scanned else { return 0 }
    let sequence = RunSequence(of: frame, in: FrameBytes(bytes))
    if let seq = sequence.value {
        precondition(RunSequence.range.contains(seq), "an out-of-range seq got through")
    }
    var normalizer = FrameNormalizer()
    var engine = GovernanceEngine()
    var violations: [Violation] = []
    // The same frame twice, the second time at a later receive time: duplicates and deadlines.
    for receivedAt in [GovernanceEvent.validTimes.upperBound - 1, GovernanceEvent.validTimes.upperBound] {
        guard let event = try? normalizer.normalize(scanned: frame, in: bytes, receivedAt: receivedAt) else { continue }
        precondition(GovernanceEvent.validTimes.contains(event.at), "an event time outside the valid range got through")
        engine.process(event, into: &violations)
    }
    engine.finish(into: &violations)
    for violation in violations {
        _ = violation.jsonLine
        _ = violation.textLine
    }
    return 0
}

/// Reads every number of `json` as the client reads timestamps and limits.
func visitNumbers(in json: OpaqueJSON) {
    switch json {
    case .integer, .double: _ = json.integerValue
    case .array(let elements): for element in elements { visitNumbers(in: element) }
    case .object(let members): for value in members.values { visitNumbers(in: value) }
    default: break
    }
}

runFuzzTarget(fuzzFrame)
