#if canImport(Glibc)
import Glibc
#endif

/// Writes lines to a file descriptor through a buffer, retrying short and interrupted writes.
/// Used for standard output (violations, query results) and standard error (summaries).
/// Owned by one thread.
struct LineWriter: ~Copyable {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// - Parameter capacity: bytes buffered before a write; 0 writes every line at once.
    init(descriptor: Int32, capacity: Int = 64 * 1024) {
        self.descriptor = descriptor
        self.capacity = capacity
        buffer.reserveCapacity(capacity + 1024)
    }

    deinit { Self.writeAll(buffer, to: descriptor) }

    mutating func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= capacity { flush() }
    }

    mutating func flush() {
        Self.writeAll(buffer, to: descriptor)
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ buffer: [UInt8], to descriptor: Int32) {
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}

/// Human-facing lines on standard error (summaries, skipped-line reports), written at once.
enum StandardError {
    static func write(_ line: String) {
        var writer = LineWriter(descriptor: 2, capacity: 0)
        writer.write(line)
    }
}
