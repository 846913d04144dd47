#if canImport(Glibc)
import Glibc
#endif
@_weakLinked import CLibFuzzer

/// Runs a fuzz target: under libFuzzer (built with `-sanitize=fuzzer`) it hands `callback`
/// to libFuzzer's driver with the command line; in a plain build, where libFuzzer is absent,
/// it feeds `callback` every file named on the command line (directories: their files), so
/// `swift build --build-tests` links the targets and a corpus can be replayed without
/// libFuzzer. Called once, from the target's top-level code; never returns.
package func runFuzzTarget(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    if #_hasSymbol(LLVMFuzzerRunDriver) {
        var argc = CommandLine.argc
        var argv = Optional(CommandLine.unsafeArgv)
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }
    var inputs = 0
    for path in CommandLine.arguments.dropFirst() where !path.hasPrefix("-") {
        for file in files(at: path) {
            guard let bytes = contents(of: file) else {
                print("fuzz: cannot read \(file)")
                exit(1)
            }
            _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
            inputs += 1
        }
    }
    print("fuzz: \(inputs) inputs replayed without libFuzzer (build with -sanitize=fuzzer to fuzz)")
    exit(0)
}

/// The regular files in `path` (itself when it is one), sorted.
private func files(at path: String) -> [String] {
    guard let directory = opendir(path) else { return [path] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(path + "/" + name) }
    }
    return names.sorted()
}

private func contents(of path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
    }
}
