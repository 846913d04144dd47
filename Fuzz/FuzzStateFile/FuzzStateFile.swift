import FuzzSupport
import Governance
import MosesFiles
import WireFormats

/// A `state.json` per input, parsed as the daemon's watch parses it. A trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzStateFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let state = try? StateFile.parse(bytes) {
        // A state that parsed reads the same when parsed over itself.
        precondition((try? StateFile.parse(bytes, defaults: state)) == state)
    }
    return 0
}

runFuzzTarget(fuzzStateFile)
