#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it on
/// deinit.
/// Shared by the test targets that need real files (SQLite, ledgers, captures).
package final class TemporaryDirectory {
    package let path: String

    package init() {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/moses-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: errno \(errno)")
        path = String(cString: created!)
    }

    /// A path inside the directory.
    package func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `bytes` to `name` in the directory and returns the file's path.
    package func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = file(name)
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "open failed: errno \(errno)")
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            precondition(result > 0, "write failed: errno \(errno)")
            written += result
        }
        close(descriptor)
        return file
    }

    deinit { Self.removeTree(path) }

    /// Removes `path` and everything under it (tests may create subdirectories).
    private static func removeTree(_ path: String) {
        guard let directory = opendir(path) else {
            unlink(path)
            return
        }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            guard name != "." && name != ".." else { continue }
            if entry.pointee.d_type == UInt8(DT_DIR) {
                removeTree("\(path)/\(name)")
            } else {
                unlink("\(path)/\(name)")
            }
        }
        closedir(directory)
        rmdir(path)
    }
}
