#if canImport(Glibc)
import Glibc
#endif
import Governance
import WireFormats

/// Follows a MO§ES `audit_ledger.jsonl` as agents append to it, like `tail -F`: new complete
/// lines are parsed into ledger entries; a truncated file is read again from its start; a
/// replaced file (rotation: new inode) is finished and the new one read from its start; a
/// missing file is waited for. A partial last line waits for its newline.
///
/// Memory is bounded whatever is appended at once: the file is read in `chunkBytes` pieces
/// and each line is handed on as soon as it is complete (`forEachAppended`), so a 200 MB
/// append holds one chunk and one line at a time; a line longer than `maximumLineBytes` is
/// skipped unbuffered and counted.
///
/// Owned by one thread (the watcher's); not `Sendable`.
package final class LedgerTail {
    /// One line's outcome.
    package enum Item: Equatable {
        /// A ledger entry with its canonical hash recomputed and its 1-based line number, and
        /// the line's bytes as written (for captures).
        case entry(LedgerEntry, bytes: [UInt8])
        /// A line that is not a ledger entry (counted; the tail goes on).
        case refused(line: Int, reason: String)
    }

    /// Monotonic counters.
    package struct Counters: Sendable, Equatable {
        package var lines: UInt64 = 0
        package var malformed: UInt64 = 0
        /// Lines longer than `maximumLineBytes`, skipped.
        package var oversized: UInt64 = 0
        package var truncations: UInt64 = 0
        package var rotations: UInt64 = 0
    }

    /// A ledger line longer than this is skipped and counted (audit_stub lines are ~600 B).
    package static let maximumLineBytes = 1 << 20

    /// The bytes read from the file at a time.
    package static let chunkBytes = 64 * 1024

    /// The reason given for a line over `maximumLineBytes`.
    package static let oversizedReason = "longer than \(maximumLineBytes) bytes"

    package let path: String
    package private(set) var counters = Counters()
    /// The `hash` of the last complete line read (the chain tip), if any.
    package private(set) var tipHash: String?

    private var descriptor: Int32 = -1
    private var inode: ino_t = 0
    private var offset: off_t = 0
    private var lineNumber = 0
    private var pending: [UInt8] = []
    private var isSkippingLongLine = false
    /// The read buffer, `chunkBytes` long once first used.
    private var chunk: [UInt8] = []
    /// While skipping what the file held at start: lines are counted, not parsed.
    private var isSkippingExisting = false
    /// The last non-blank line seen while skipping, parsed once at the end for the tip.
    private var lastExistingLine: [UInt8]?
    /// Where a restart picks up, if it does.
    private let resume: ResumePoint?
    /// The resume point's hash as bytes, looked for in each line the start-up skip passes.
    private let resumeHashBytes: [UInt8]
    /// Where reading goes on, the line number before it, and the chain tip there, once the
    /// skip has seen the resume line.
    private var resumeFound: (offset: off_t, line: Int, tip: String)?
    /// The file offsets of the line being finished: where it starts and just past its newline.
    private var lineStartOffset: off_t = 0
    private var lineEndOffset: off_t = 0
    /// The file's first bytes when they were read, to notice a rewrite that a size check misses.
    private var head: [UInt8] = []
    private static let headLength = 64

    /// - Parameters:
    ///   - path: the ledger file.
    ///   - fromStart: read what the file already holds as new lines (tests, replays of a
    ///     whole file); otherwise skip to its end, keeping only the tip hash, so a restart
    ///     does not judge old lines again.
    ///   - resume: after a restart, the line to read again from (or the last line read
    ///     before the stop), so that what agents appended while the daemon was down is
    ///     judged. When no line has that hash (rotated, rewritten) the tail skips to the end
    ///     as without it.
    package init(path: String, fromStart: Bool = false, resume: ResumePoint? = nil) {
        self.path = path
        self.resume = resume
        self.resumeHashBytes = resume.map { Array($0.hash.utf8) } ?? []
        if reopen() && !fromStart {
            skipExistingContent()
        }
    }

    /// Where reading resumes after a restart, named by a line's own `hash`.
    package enum ResumePoint: Sendable, Equatable {
        /// Read again from this line on.
        case at(hash: String)
        /// Read the lines after this one.
        case after(hash: String)

        var hash: String {
            switch self {
            case .at(let hash), .after(let hash): hash
            }
        }
    }

    /// The first line read as new because it follows the resume point; nil when the tail
    /// skipped to the end.
    package private(set) var resumedFromLine: Int?

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Reads everything appended since the last call, all at once (tests and small files;
    /// the watcher uses `forEachAppended`, which holds one line at a time).
    package func readAppended() -> [Item] {
        var items: [Item] = []
        forEachAppended { items.append($0) }
        return items
    }

    /// Reads everything appended since the last look, calling `body` with each line's
    /// outcome as soon as the line is complete.
    package func forEachAppended(_ body: (Item) -> Void) {
        checkReplacement(body)
        guard descriptor >= 0 else { return }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_size < offset || !headIsUnchanged() {
            // Truncated (or rewritten) in place: the chain starts over. A size check alone
            // misses a truncation followed by appends past the old size before we looked.
            counters.truncations += 1
            offset = 0
            lineStartOffset = 0
            lineNumber = 0
            pending.removeAll()
            isSkippingLongLine = false
            head.removeAll()
        }
        readLines(body)
    }

    // MARK: - Files

    private func headIsUnchanged() -> Bool {
        guard !head.isEmpty else { return true }
        var current = [UInt8](repeating: 0, count: head.count)
        let count = current.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return count == head.count && current == head
    }

    private func rememberHead(_ chunk: [UInt8], count: Int) {
        // Only from a read at offset 0, and until a full signature is known.
        guard offset == 0, head.count < Self.headLength else { return }
        head = Array(chunk[0..<min(count, Self.headLength)])
    }

    @discardableResult
    private func reopen() -> Bool {
        if descriptor >= 0 { close(descriptor) }
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        offset = 0
        lineStartOffset = 0
        lineNumber = 0
        pending.removeAll()
        isSkippingLongLine = false
        head.removeAll()
        guard descriptor >= 0 else { return false }
        var status = stat()
        if fstat(descriptor, &status) == 0 { inode = status.st_ino }
        return true
    }

    /// Rotation: the path now names another file (or appeared). Finish the old one first.
    private func checkReplacement(_ body: (Item) -> Void) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        if descriptor < 0 {
            reopen()
        } else if status.st_ino != inode {
            readLines(body)
            counters.rotations += 1
            reopen()
        }
    }

    /// Goes to the end, counting lines without parsing them, and keeps the last entry's
    /// hash: a long ledger costs a scan at start, not its size in memory.
    private func skipExistingContent() {
        isSkippingExisting = true
        defer { isSkippingExisting = false }
        readLines { _ in }
        if let found = resumeFound, found.offset < offset {
            // Go back to the resume point: the rest is read as new.
            offset = found.offset
            lineNumber = found.line
            pending.removeAll()
            isSkippingLongLine = false
            tipHash = found.tip
            resumedFromLine = found.line + 1
        } else if let lastLine = lastExistingLine {
            tipHash = try? lastLine.withUnsafeBytes { bytes in
                try MosesLedgerRecord.ledgerEntry(parsing: bytes, line: lineNumber).hash
            }
        }
        lastExistingLine = nil
        resumeFound = nil
    }

    /// While skipping: notes the line whose own `hash` is the resume point's (the next line
    /// holds the same text as its `previous_hash`, so a byte match alone is not enough).
    private func noteResumePoint() {
        guard let resume, containsBytes(pending, resumeHashBytes) else { return }
        let entry = try? pending.withUnsafeBytes { bytes in
            try MosesLedgerRecord.ledgerEntry(parsing: bytes, line: lineNumber)
        }
        guard let entry, entry.hash == resume.hash else { return }
        switch resume {
        case .at: resumeFound = (lineStartOffset, lineNumber - 1, entry.previousHash)
        case .after: resumeFound = (lineEndOffset, lineNumber, entry.hash)
        }
    }

    private func containsBytes(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBufferPointer { text in
            needle.withUnsafeBufferPointer { TextSearch.firstIndex(of: $0, in: text, from: 0) != nil }
        }
    }

    private func readLines(_ body: (Item) -> Void) {
        // Taken out of `self` while in use, so that writing into it copies nothing.
        var chunk = self.chunk.isEmpty ? [UInt8](repeating: 0, count: Self.chunkBytes) : self.chunk
        self.chunk = []
        defer { self.chunk = chunk }
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            rememberHead(chunk, count: count)
            offset += off_t(count)
            var start = 0
            for index in 0..<count where chunk[index] == 0x0A {
                appendPending(chunk[start..<index])
                lineEndOffset = offset - off_t(count) + off_t(index + 1)
                finishLine(body)
                lineStartOffset = lineEndOffset
                start = index + 1
            }
            appendPending(chunk[start..<count])
        }
    }

    private func appendPending(_ bytes: ArraySlice<UInt8>) {
        guard !isSkippingLongLine else { return }
        if pending.count + bytes.count > Self.maximumLineBytes {
            isSkippingLongLine = true
            pending.removeAll()
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    private func finishLine(_ body: (Item) -> Void) {
        lineNumber += 1
        counters.lines += 1
        defer {
            // A line near the limit must not pin a megabyte for good.
            if pending.capacity > Self.chunkBytes { pending = [] } else { pending.removeAll(keepingCapacity: true) }
            isSkippingLongLine = false
        }
        if isSkippingLongLine {
            counters.oversized += 1
            if !isSkippingExisting { body(.refused(line: lineNumber, reason: Self.oversizedReason)) }
            return
        }
        if pending.last == 0x0D { pending.removeLast() }
        guard pending.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        if isSkippingExisting {
            lastExistingLine = pending
            noteResumePoint()
            return
        }
        do {
            let entry = try pending.withUnsafeBytes { bytes in
                Result { () throws(FrameError) in try MosesLedgerRecord.ledgerEntry(parsing: bytes, line: lineNumber) }
            }.get()
            tipHash = entry.hash
            body(.entry(entry, bytes: pending))
        } catch {
            counters.malformed += 1
            body(.refused(line: lineNumber, reason: error.description))
        }
    }
}
