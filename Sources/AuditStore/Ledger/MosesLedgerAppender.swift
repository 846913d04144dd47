#if canImport(Glibc)
import Glibc
#endif
import Governance
import WireFormats

/// Appends violations to the MO§ES `audit_ledger.jsonl` as the family's coordinator meant
/// to: agent `coordinator`, action `<rule>_violation`, outcome `flagged`, chained with the
/// canonical SHA-256.
///
/// Each append opens the file, takes an exclusive `flock` (the lock `audit_stub.py` takes),
/// and only then reads the last line's hash, so appenders in other threads or processes
/// can never fork the chain; the family's own script reads the hash before locking and can.
/// A last line we cannot chain to (malformed) is reported and left alone, never chained to.
///
/// A value type holding only the path: any thread; each append uses its own descriptor.
package struct MosesLedgerAppender: Sendable {
    package let path: String

    package init(path: String) { self.path = path }

    /// Appends one violation.
    ///
    /// - Returns: the appended record.
    /// - Throws: `LedgerFileError` when the file cannot be opened, locked, read or written, or
    ///   its last line is malformed.
    @discardableResult
    package func append(_ violation: Violation) throws(LedgerFileError) -> MosesLedgerRecord {
        try append(LedgerRowContent(violation: violation))
    }

    /// Appends one record made from `content`.
    @discardableResult
    package func append(_ content: LedgerRowContent) throws(LedgerFileError) -> MosesLedgerRecord {
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("open", path: path) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .system("flock", path: path) }
        }
        // The lock goes with the descriptor at close; released after the write is on disk.
        let tail = try lastLine(of: descriptor)
        var previousHash = MosesLedgerRecord.zeroHash
        if let line = tail.line {
            guard let record = try? MosesLedgerRecord(line: line), let hash = record.hash else {
                let prefix = String(decoding: line.prefix(40), as: UTF8.self)
                throw LedgerFileError(.lastLineMalformed(line: "\(line.count) bytes: \(prefix)…"), path: path)
            }
            previousHash = hash
        }
        let record = content.record(previousHash: previousHash)
        var bytes: [UInt8] = tail.endsWithNewline ? [] : [0x0A]
        bytes += Array(record.fileLine.utf8)
        bytes.append(0x0A)
        try writeAll(bytes, to: descriptor)
        guard fsync(descriptor) == 0 else { throw .system("fsync", path: path) }
        return record
    }

    /// The last non-blank line of the file (nil for an empty file) and whether the file
    /// ends with a newline. Reads backwards in chunks: O(last line), not O(file).
    private func lastLine(of descriptor: Int32) throws(LedgerFileError) -> (line: [UInt8]?, endsWithNewline: Bool) {
        let size = lseek(descriptor, 0, SEEK_END)
        guard size >= 0 else { throw .system("lseek", path: path) }
        guard size > 0 else { return (nil, true) }
        var collected: [UInt8] = []  // the file's tail, in file order
        var offset = size
        let chunk = 4096
        var endsWithNewline = true
        var isFirstChunk = true
        while offset > 0 {
            let length = min(off_t(chunk), offset)
            offset -= length
            var buffer = [UInt8](repeating: 0, count: Int(length))
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, Int(length), offset) }
            guard read == Int(length) else { throw .system("read", path: path) }
            if isFirstChunk {
                endsWithNewline = buffer.last == 0x0A
                isFirstChunk = false
            }
            collected.insert(contentsOf: buffer, at: 0)
            // Stop once the tail holds a newline before some non-blank content.
            if let line = Self.lastNonBlankLine(in: collected, isWholeFile: offset == 0) { return (line, endsWithNewline) }
        }
        return (Self.lastNonBlankLine(in: collected, isWholeFile: true), endsWithNewline)
    }

    /// The last non-blank line of `bytes` when it is complete (preceded by a newline, or
    /// `isWholeFile`).
    static func lastNonBlankLine(in bytes: [UInt8], isWholeFile: Bool) -> [UInt8]? {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D || bytes[end - 1] == 0x20 { end -= 1 }
        guard end > 0 else { return nil }
        guard let newline = bytes[..<end].lastIndex(of: 0x0A) else {
            return isWholeFile ? Array(bytes[..<end]) : nil
        }
        return Array(bytes[(newline + 1)..<end])
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(LedgerFileError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .system("write", path: path)
            }
            written += result
        }
    }
}
