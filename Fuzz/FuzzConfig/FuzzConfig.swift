import Configuration
import FuzzSupport

/// A configuration file per input, loaded as `run` and `check-config` load it; a valid one
/// is rendered back as `check-config` prints it. A trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = ConfigLoader(home: "/home/fuzz").load(text: text)
    for diagnostic in result.diagnostics { _ = diagnostic.description }
    if let config = result.config {
        _ = config.renderedYAML()
        _ = config.effectiveTree().renderedJSON()
    }
    return 0
}

runFuzzTarget(fuzzConfiguration)
