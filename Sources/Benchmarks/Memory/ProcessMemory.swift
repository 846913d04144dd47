#if canImport(Glibc)
import Glibc
#endif

/// The process's resident memory, read from `/proc/self/status` (Linux).
package enum ProcessMemory {
    /// Current resident set size in bytes (`VmRSS`), or nil where /proc is unavailable.
    package static var residentBytes: Int? { field("VmRSS:") }
    /// Peak resident set size in bytes (`VmHWM`).
    package static var peakResidentBytes: Int? { field("VmHWM:") }

    /// Starts the peak (`VmHWM`) over from the current size: "5" to /proc/self/clear_refs
    /// (Linux 4.0 and later), so a stage's peak is its own.
    package static func resetPeak() {
        guard let file = fopen("/proc/self/clear_refs", "we") else { return }
        fputs("5", file)
        fclose(file)
    }

    private static func field(_ name: String) -> Int? {
        guard let file = fopen("/proc/self/status", "re") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix(name) else { continue }
            let digits = text.dropFirst(name.count).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
