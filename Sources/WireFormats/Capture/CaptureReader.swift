#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Governance

/// Reads a capture: one JSON object per line, either a raw gateway frame or a wrapped record
/// `{"source":"gateway"|"ledger"|"state","at":<ms>,"data":{…}}` (what `run --capture` writes,
/// see `CaptureWriter`), and yields one `GovernanceEvent` per line.
///
/// - `gateway`: `data` is normalized by `FrameNormalizer`; the event time is the wrapper's
///   `at` (the receive time, authoritative for ordering, so a replay orders events as the
///   live run received them). Payload times are not kept.
/// - `ledger`: `data` is a MO§ES ledger entry, yielded as `.ledgerEntry` with its canonical
///   hash recomputed (`line` is nil: the ledger file's line number is not in the capture).
/// - `state`: `data` is a `state.json` object; `mode`, `posture` and `role` are normalized
///   (`Mode(normalizing:)` …) and missing ones keep the last state's values.
/// - `ledger_readable`: `data` is `{"readable":true|false}`, yielded as `.ledgerReadable`: the
///   live run could (not) read the MO§ES ledger from then on, so replay judges audits alike.
/// - a raw frame: event time from the payload, else the last time seen in the capture.
///
/// Streaming in bounded memory: the input is read in `chunkSize` chunks and split on `\n`
/// (a `\r` before it and a last line without newline are handled); a line longer than
/// `maximumLineBytes` is skipped without being buffered. Blank lines are skipped. A bad line
/// yields `.refused` with a `FrameError` carrying its 1-based line number; the caller counts
/// it (so do `counters`) and goes on.
///
/// Owns its file descriptor (closed in `deinit`) and its normalizer. `~Copyable`: it has one
/// owner at a time, which may move it to another thread but never shares it.
package struct CaptureReader: ~Copyable {
    /// One line's outcome.
    package enum Item {
        case event(GovernanceEvent)
        /// The line was refused; the error names the line.
        case refused(FrameError)
    }

    /// Monotonic counters of the reader.
    package struct Counters: Sendable, Equatable {
        /// Lines read, blank ones included.
        package var lines: UInt64 = 0
        package var blankLines: UInt64 = 0
        package var gatewayRecords: UInt64 = 0
        package var ledgerRecords: UInt64 = 0
        package var stateRecords: UInt64 = 0
        package var ledgerReadableRecords: UInt64 = 0
        package var rawFrames: UInt64 = 0
        /// Lines refused as malformed (bad JSON, bad wrapper, bad frame, bad ledger or state).
        package var malformed: UInt64 = 0
        /// Lines refused for exceeding `maximumLineBytes`.
        package var oversized: UInt64 = 0
        /// Lines refused because a value failed its range check (`FrameError.Code.outOfRange`:
        /// the wrapper's `at` or a frame's time outside `GovernanceEvent.validTimes`); also
        /// counted in `malformed`.
        package var rejectedValues: UInt64 = 0

        /// The counters as `/metrics` samples: the one place these names are spelled.
        package var metrics: [(name: String, value: UInt64)] {
            [
                ("moses_capture_lines_total", lines),
                ("moses_capture_blank_lines_total", blankLines),
                ("moses_capture_records_total{source=\"gateway\"}", gatewayRecords),
                ("moses_capture_records_total{source=\"ledger\"}", ledgerRecords),
                ("moses_capture_records_total{source=\"state\"}", stateRecords),
                ("moses_capture_records_total{source=\"ledger_readable\"}", ledgerReadableRecords),
                ("moses_capture_records_total{source=\"raw\"}", rawFrames),
                ("moses_capture_malformed_total", malformed),
                ("moses_capture_oversized_total", oversized),
                ("moses_capture_rejected_values_total", rejectedValues),
            ]
        }
    }

    /// The default read size: large enough that a read per chunk costs nothing next to parsing.
    package static let defaultChunkSize = 1 << 20

    /// Lines longer than this are refused. Gateways cap frames at `policy.maxPayload`
    /// (25 MiB by default); the wrapper adds a few bytes.
    package let maximumLineBytes: Int
    package private(set) var counters = Counters()
    /// The frame normalizer and its counters.
    package private(set) var normalizer: FrameNormalizer
    /// The governance state after the last `state` record (starts at the initial state).
    package private(set) var state: GovernanceState
    /// The last event time seen: the fallback time of raw frames that carry none.
    package private(set) var lastTime: Int64

    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var fileDescriptor: Int32 = -1
    private var isAtEOF: Bool
    private let chunkSize: Int
    private var lineNumber = 0
    /// True while passing over the rest of an oversized line.
    private var isSkippingLine = false

    /// A reader over bytes already in memory.
    package init(
        bytes: [UInt8], initialState: GovernanceState = .default, startTime: Int64 = 0,
        maximumLineBytes: Int = 26_214_400 + 4096
    ) {
        self.buffer = bytes
        self.end = bytes.count
        self.isAtEOF = true
        self.chunkSize = Self.defaultChunkSize
        self.maximumLineBytes = maximumLineBytes
        self.normalizer = FrameNormalizer(maximumFrameBytes: max(1, min(maximumLineBytes, Int(Int32.max) - 1)))
        self.state = initialState
        self.lastTime = startTime
    }

    /// A reader over a file, read in chunks.
    ///
    /// - Throws: `CaptureReader.OpenError` when the file cannot be opened.
    package init(
        path: String, initialState: GovernanceState = .default, startTime: Int64 = 0,
        maximumLineBytes: Int = 26_214_400 + 4096, chunkSize: Int = CaptureReader.defaultChunkSize
    ) throws(OpenError) {
        precondition(chunkSize > 0, "chunk size must be positive")
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OpenError(path: path, errno: errno) }
        self.fileDescriptor = descriptor
        self.buffer = []
        self.buffer.reserveCapacity(chunkSize * 2)
        self.isAtEOF = false
        self.chunkSize = chunkSize
        self.maximumLineBytes = maximumLineBytes
        self.normalizer = FrameNormalizer(maximumFrameBytes: max(1, min(maximumLineBytes, Int(Int32.max) - 1)))
        self.state = initialState
        self.lastTime = startTime
    }

    deinit {
        if fileDescriptor >= 0 { close(fileDescriptor) }
    }

    /// A capture file could not be opened or read.
    package struct OpenError: Error, Sendable, CustomStringConvertible {
        package var path: String
        package var errno: Int32
        package var description: String { "cannot read capture \(path): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// The next line's event or refusal; nil at the end of input.
    ///
    /// - Throws: `OpenError` when reading the file fails (not for bad lines).
    package mutating func next() throws(OpenError) -> Item? {
        while true {
            guard let (lineStart, lineEnd) = try nextLine() else { return nil }
            let bytes = buffer  // a second reference, so `self` stays free to mutate below
            var item: Item?
            bytes.withUnsafeBytes { all in
                line(in: all, from: lineStart, to: lineEnd, { item = .event($0) }, refused: { item = .refused($0) })
            }
            if let item { return item }
        }
    }

    /// Reads every remaining line, calling `body` for each event and `refused` for each bad
    /// line. The fast path for replay and bench: complete lines already in the buffer are
    /// handled in one pass, without per-line buffer bookkeeping.
    package mutating func forEach(
        _ body: (GovernanceEvent) -> Void, refused: (FrameError) -> Void = { _ in }
    ) throws(OpenError) {
        while true {
            if !isSkippingLine, start < end {
                let bytes = buffer  // a second reference, so `self` stays free to mutate below
                let limit = end
                var lineStart = start
                bytes.withUnsafeBytes { all in
                    let base = all.baseAddress!
                    while lineStart < limit, let found = memchr(base + lineStart, 0x0A, limit - lineStart) {
                        let newline = UnsafeRawPointer(found) - base
                        let lineEnd = newline - lineStart > maximumLineBytes ? -1 : newline
                        line(in: all, from: lineStart, to: lineEnd, body, refused: refused)
                        lineStart = newline + 1
                    }
                }
                start = lineStart
            }
            // A partial line, a refill, an oversized line or the end of input: the slow path.
            switch try next() {
            case .event(let event)?: body(event)
            case .refused(let error)?: refused(error)
            case nil: return
            }
        }
    }

    /// Handles the line at `lineStart..<lineEnd` of `all` (`lineEnd` -1: oversized), passing
    /// its event to `body` or its refusal to `refused`; a blank line calls neither.
    @inline(__always)
    private mutating func line(
        in all: UnsafeRawBufferPointer, from lineStart: Int, to lineEnd: Int,
        _ body: (GovernanceEvent) -> Void, refused: (FrameError) -> Void
    ) {
        lineNumber += 1
        counters.lines &+= 1
        if lineEnd < 0 {
            counters.oversized &+= 1
            return refused(FrameError(.oversized, at: maximumLineBytes, line: lineNumber))
        }
        var contentEnd = lineEnd
        if contentEnd > lineStart, all[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        var index = lineStart
        while index < contentEnd, all[index] == 0x20 || all[index] == 0x09 || all[index] == 0x0D { index += 1 }
        if index == contentEnd {
            counters.blankLines &+= 1
            return
        }
        readLine(UnsafeRawBufferPointer(rebasing: all[lineStart..<contentEnd]), body, refused: refused)
    }

    // MARK: Lines

    /// The next line's bounds in `buffer` (without `\n`), `(start, -1)` for an oversized line,
    /// nil at the end of input.
    private mutating func nextLine() throws(OpenError) -> (Int, Int)? {
        var searchFrom = start
        while true {
            if let newline = Self.firstNewline(in: buffer, from: searchFrom, to: end) {
                let lineStart = start
                start = newline + 1
                if isSkippingLine {
                    isSkippingLine = false
                    return (lineStart, -1)
                }
                if newline - lineStart > maximumLineBytes { return (lineStart, -1) }
                return (lineStart, newline)
            }
            if isAtEOF {
                let lineStart = start
                if isSkippingLine {
                    // The oversized last line had no newline.
                    isSkippingLine = false
                    start = end
                    return (lineStart, -1)
                }
                guard start < end else { return nil }
                start = end
                if end - lineStart > maximumLineBytes { return (lineStart, -1) }
                return (lineStart, end)
            }
            if end - start > maximumLineBytes {
                // Drop what we have of this line; remember to refuse it at its newline.
                isSkippingLine = true
                start = end
            }
            searchFrom = end - start
            try refill()
        }
    }

    /// Moves the unread tail to the front and reads one more chunk.
    private mutating func refill() throws(OpenError) {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: remaining)
                }
            }
            end = remaining
            start = 0
        }
        if buffer.count < end + chunkSize {
            buffer.append(contentsOf: repeatElement(0, count: end + chunkSize - buffer.count))
        }
        let capacity = chunkSize
        var readCount = 0
        let offset = end
        let descriptor = fileDescriptor
        repeat {
            readCount = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + offset, capacity)
            }
        } while readCount < 0 && errno == EINTR
        guard readCount >= 0 else { throw OpenError(path: "<fd \(descriptor)>", errno: errno) }
        if readCount == 0 {
            isAtEOF = true
        } else {
            end += readCount
        }
    }

    private static func firstNewline(in buffer: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let found = memchr(raw.baseAddress! + from, 0x0A, to - from) else { return nil }
            return UnsafeRawPointer(found) - raw.baseAddress!
        }
    }

    // MARK: Records

    @inline(__always)
    private mutating func readLine(
        _ line: UnsafeRawBufferPointer, _ body: (GovernanceEvent) -> Void, refused: (FrameError) -> Void
    ) {
        let frame: ScannedFrame
        do {
            frame = try FrameScanner.scan(line)
        } catch {
            counters.malformed &+= 1
            return refused(error.on(line: lineNumber))
        }
        let event: GovernanceEvent
        do {
            if frame.source.kind == .absent {
                counters.rawFrames &+= 1
                event = try normalizer.normalize(scanned: frame, in: line, receivedAt: lastTime)
            } else {
                event = try wrappedRecord(frame, line)
            }
        } catch {
            counters.malformed &+= 1
            if error.code == .outOfRange { counters.rejectedValues &+= 1 }
            return refused(error.on(line: lineNumber))
        }
        lastTime = event.at
        body(event)
    }

    private mutating func wrappedRecord(_ frame: borrowing ScannedFrame, _ line: UnsafeRawBufferPointer) throws(FrameError) -> GovernanceEvent {
        let bytes = FrameBytes(line)
        guard frame.at.kind == .number else {
            throw frame.at.kind == .absent
                ? FrameError(.missingField, at: 0, field: "at")
                : FrameError(.wrongType, at: Int(frame.at.start), field: "at")
        }
        guard let at = bytes.int64(frame.at), GovernanceEvent.validTimes.contains(at) else {
            throw FrameError(.outOfRange, at: Int(frame.at.start), field: "at")
        }
        guard frame.data.kind == .object else {
            throw frame.data.kind == .absent
                ? FrameError(.missingField, at: 0, field: "data")
                : FrameError(.wrongType, at: Int(frame.data.start), field: "data")
        }
        if bytes.string(frame.source, equals: "gateway") {
            counters.gatewayRecords &+= 1
            return try normalizer.normalize(scanned: frame, in: line, receivedAt: at, time: .received)
        }
        let data = UnsafeRawBufferPointer(rebasing: line[Int(frame.data.start)..<Int(frame.data.end)])
        if bytes.string(frame.source, equals: "ledger") {
            counters.ledgerRecords &+= 1
            return GovernanceEvent(at: at, kind: .ledgerEntry(try MosesLedgerRecord.ledgerEntry(parsing: data)))
        }
        if bytes.string(frame.source, equals: "state") {
            counters.stateRecords &+= 1
            state = try Self.applying(try JSONValue.parse(data), to: state, dataOffset: Int(frame.data.start))
            return GovernanceEvent(at: at, kind: .stateChanged(state))
        }
        if bytes.string(frame.source, equals: "ledger_readable") {
            guard case .bool(let isReadable)? = try JSONValue.parse(data)["readable"] else {
                throw FrameError(.wrongType, at: Int(frame.data.start), field: "data.readable")
            }
            counters.ledgerReadableRecords &+= 1
            return GovernanceEvent(at: at, kind: .ledgerReadable(isReadable))
        }
        throw FrameError(frame.source.kind == .string ? .badValue : .wrongType, at: Int(frame.source.start), field: "source")
    }

    /// `state` with the `mode`, `posture` and `role` that `object` names, normalized.
    package static func applying(_ object: JSONValue, to state: GovernanceState, dataOffset: Int) throws(FrameError) -> GovernanceState {
        guard object.members != nil else { throw FrameError(.notAnObject, at: dataOffset, field: "data") }
        var next = state
        if let text = try field(object, "mode", dataOffset) {
            guard let mode = Mode(normalizing: text) else { throw FrameError(.badValue, at: dataOffset, field: "data.mode") }
            next.mode = mode
        }
        if let text = try field(object, "posture", dataOffset) {
            guard let posture = Posture(normalizing: text) else { throw FrameError(.badValue, at: dataOffset, field: "data.posture") }
            next.posture = posture
        }
        if let text = try field(object, "role", dataOffset) {
            guard let role = GovernanceRole(normalizing: text) else { throw FrameError(.badValue, at: dataOffset, field: "data.role") }
            next.role = role
        }
        return next
    }

    private static func field(_ object: JSONValue, _ key: String, _ offset: Int) throws(FrameError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw FrameError(.wrongType, at: offset, field: "data.\(key)")
        }
    }
}
