#if canImport(Glibc)
import Glibc
#endif
import WireFormats

/// Appends every input of a live run to a capture file in the replay format (`run
/// --capture`), so the run can be replayed to the same verdicts: each record's `at` is the
/// event time the live engine used.
///
/// Not thread-safe: owned by the gateway pipeline and used under its lock.
package final class CaptureRecorder {
    /// A capture file could not be opened or written.
    package struct CaptureError: Error, CustomStringConvertible {
        package var path: String
        package var errno: Int32
        package var description: String { "cannot write capture \(path): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    package let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Records that could not be written (disk full, …); counted, the run goes on.
    private(set) var failedWrites = 0

    /// Opens `path` for appending (created 0600: a capture holds conversation text).
    package init(path: String) throws(CaptureError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CaptureError(path: path, errno: errno) }
        buffer.reserveCapacity(128 * 1024)
    }

    deinit {
        flush()
        close(descriptor)
    }

    package func append(_ source: CaptureWriter.Source, at: Int64, data: some Collection<UInt8>) {
        CaptureWriter.appendRecord(source: source, at: at, data: data, to: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 64 * 1024 { flush() }
    }

    /// Writes what is buffered.
    package func flush() {
        var offset = 0
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    failedWrites += 1
                    return
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
