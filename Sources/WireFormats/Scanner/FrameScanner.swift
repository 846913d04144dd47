/// The hot-path reader of gateway frames, and the only one on the live path: one validating
/// pass over the bytes that records the spans of only the fields the gateway client's routing
/// and normalization need (`ScannedFrame`) and skips, but fully validates, everything else.
/// Strings are not decoded here (see `FrameBytes`).
///
/// Malformed input (truncation, bad escapes or numbers, invalid UTF-8, raw control bytes,
/// trailing bytes, nesting past `maximumDepth`) throws `FrameError` with the byte offset.
/// Scanning never allocates and uses constant stack: known levels are walked by fixed
/// functions, unknown values are skipped iteratively with a bit stack.
///
/// Stateless between calls; any thread.
package struct FrameScanner {
    /// Objects and arrays nested deeper than this are rejected. OpenClaw frames nest about
    /// six levels (frame, payload, message, content, part); tool arguments can add a few.
    /// The bit stack of the skipper holds 128 levels.
    package static let maximumDepth = 128

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var frame = ScannedFrame()

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Scans one frame or wrapped capture record.
    ///
    /// - Parameter bytes: exactly one JSON object (surrounding whitespace allowed).
    /// - Returns: the spans of the fields routing and normalization use.
    /// - Throws: `FrameError` for malformed JSON or a top-level value that is not an object.
    @inline(__always)
    package static func scan(_ bytes: UnsafeRawBufferPointer) throws(FrameError) -> ScannedFrame {
        // Spans hold 32-bit offsets: a longer input would alias them (callers cap far lower).
        guard bytes.count < Int(Int32.max) else { throw FrameError(.oversized, at: Int(Int32.max)) }
        var scanner = FrameScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.index < bytes.count else { throw FrameError(.truncated, at: scanner.index) }
        guard scanner.byte == UInt8(ascii: "{") else {
            // Valid JSON that is not an object is `notAnObject`; anything else keeps its error.
            _ = try scanner.value(depth: 1)
            scanner.skipWhitespace()
            guard scanner.index == bytes.count else { throw FrameError(.trailingGarbage, at: scanner.index) }
            throw FrameError(.notAnObject, at: 0)
        }
        try scanner.walkFrame(depth: 1, isWrapper: true)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw FrameError(.trailingGarbage, at: scanner.index) }
        return scanner.frame
    }

    /// Calls `body` with the span of each text part of a message's `content` array, in
    /// order: elements `{"type":"text","text":…}` (an element with no `type` counts as text)
    /// and bare strings. Other parts (images, tool calls) are passed over.
    ///
    /// - Parameters:
    ///   - content: an array span from `scan` over the same `bytes` (already validated).
    package static func forEachTextPart(
        in bytes: UnsafeRawBufferPointer, content: FrameSpan, _ body: (FrameSpan) -> Void
    ) {
        guard content.kind == .array else { return }
        var scanner = FrameScanner(bytes)
        scanner.index = Int(content.start)
        // The span was validated by `scan`; a throw here would be our bug, so stop quietly
        // rather than trap on input we already accepted.
        try? scanner.walkContent(body)
    }

    private mutating func walkContent(_ body: (FrameSpan) -> Void) throws(FrameError) {
        index &+= 1  // `[`
        skipWhitespace()
        if byte == UInt8(ascii: "]") { return }
        while true {
            if byte == UInt8(ascii: "{") {
                var type = FrameSpan.absent
                var text = FrameSpan.absent
                if try beginObject(depth: 2) {
                    repeat {
                        let (keyStart, keyLength) = try readKey()
                        if keyLength == 4, keyIs("type", keyStart, keyLength) {
                            type = try value(depth: 2)
                        } else if keyLength == 4, keyIs("text", keyStart, keyLength) {
                            text = try value(depth: 2)
                        } else {
                            try skipValue(depth: 2)
                        }
                    } while try nextMember()
                }
                let isText = type.kind == .absent || FrameBytes(bytes).string(type, equals: "text")
                if isText, text.kind == .string { body(text) }
            } else if byte == UInt8(ascii: "\"") {
                body(try value(depth: 1))
            } else {
                try skipValue(depth: 1)
            }
            skipWhitespace()
            guard index < bytes.count, byte == UInt8(ascii: ",") else { return }
            index &+= 1
            skipWhitespace()
        }
    }

    // MARK: Known levels

    /// The top level of a frame; when `isWrapper`, a capture wrapper's `data` object is
    /// walked as a frame too.
    private mutating func walkFrame(depth: Int, isWrapper: Bool) throws(FrameError) {
        guard try beginObject(depth: depth) else { return }
        repeat {
            let (keyStart, keyLength) = try readKey()
            switch keyLength {
            case 2 where keyIs("ts", keyStart, keyLength): frame.ts = try value(depth: depth)
            case 2 where keyIs("id", keyStart, keyLength): frame.id = try value(depth: depth)
            case 2 where keyIs("ok", keyStart, keyLength): frame.ok = try value(depth: depth)
            case 2 where isWrapper && keyIs("at", keyStart, keyLength): frame.at = try value(depth: depth)
            case 4 where keyIs("type", keyStart, keyLength): frame.type = try value(depth: depth)
            case 4 where keyIs("text", keyStart, keyLength): frame.text = try value(depth: depth)
            case 4 where isWrapper && keyIs("data", keyStart, keyLength):
                if byte == UInt8(ascii: "{") {
                    let start = index
                    try walkFrame(depth: depth + 1, isWrapper: false)
                    frame.data = FrameSpan(start: start, end: index, kind: .object)
                } else {
                    frame.data = try value(depth: depth)
                }
            case 5 where keyIs("event", keyStart, keyLength): frame.event = try value(depth: depth)
            case 5 where keyIs("agent", keyStart, keyLength): frame.agent = try value(depth: depth)
            case 6 where isWrapper && keyIs("source", keyStart, keyLength): frame.source = try value(depth: depth)
            case 7 where keyIs("payload", keyStart, keyLength):
                if byte == UInt8(ascii: "{") {
                    let start = index
                    try walkPayload(depth: depth + 1)
                    frame.payload = FrameSpan(start: start, end: index, kind: .object)
                } else {
                    frame.payload = try value(depth: depth)
                }
            case 10 where keyIs("session_id", keyStart, keyLength): frame.sessionID = try value(depth: depth)
            default: try skipValue(depth: depth)
            }
        } while try nextMember()
    }

    private mutating func walkPayload(depth: Int) throws(FrameError) {
        guard try beginObject(depth: depth) else { return }
        repeat {
            let (keyStart, keyLength) = try readKey()
            switch keyLength {
            case 2 where keyIs("ts", keyStart, keyLength): frame.payloadTS = try value(depth: depth)
            case 3 where keyIs("seq", keyStart, keyLength): frame.seq = try value(depth: depth)
            case 4 where keyIs("data", keyStart, keyLength):
                if byte == UInt8(ascii: "{") {
                    let start = index
                    try walkData(depth: depth + 1)
                    frame.payloadData = FrameSpan(start: start, end: index, kind: .object)
                } else {
                    frame.payloadData = try value(depth: depth)
                }
            case 5 where keyIs("runId", keyStart, keyLength): frame.runID = try value(depth: depth)
            case 5 where keyIs("state", keyStart, keyLength): frame.state = try value(depth: depth)
            case 6 where keyIs("stream", keyStart, keyLength): frame.stream = try value(depth: depth)
            case 7 where keyIs("agentId", keyStart, keyLength): frame.agentID = try value(depth: depth)
            case 7 where keyIs("message", keyStart, keyLength):
                if byte == UInt8(ascii: "{") {
                    let start = index
                    try walkMessage(depth: depth + 1)
                    frame.message = FrameSpan(start: start, end: index, kind: .object)
                } else {
                    frame.message = try value(depth: depth)
                }
            case 9 where keyIs("messageId", keyStart, keyLength): frame.messageID = try value(depth: depth)
            case 10 where keyIs("sessionKey", keyStart, keyLength): frame.sessionKey = try value(depth: depth)
            case 11 where keyIs("isHeartbeat", keyStart, keyLength): frame.isHeartbeat = try value(depth: depth)
            case 15 where keyIs("inputProvenance", keyStart, keyLength): try walkProvenance(depth: depth)
            default: try skipValue(depth: depth)
            }
        } while try nextMember()
    }

    /// `payload.data` of `agent` and `session.tool` events.
    private mutating func walkData(depth: Int) throws(FrameError) {
        guard try beginObject(depth: depth) else { return }
        repeat {
            let (keyStart, keyLength) = try readKey()
            switch keyLength {
            case 4 where keyIs("name", keyStart, keyLength): frame.name = try value(depth: depth)
            case 4 where keyIs("args", keyStart, keyLength):
                if byte == UInt8(ascii: "{") {
                    try walkArgs(depth: depth + 1)
                } else {
                    try skipValue(depth: depth)
                }
            case 5 where keyIs("phase", keyStart, keyLength): frame.phase = try value(depth: depth)
            case 10 where keyIs("toolCallId", keyStart, keyLength): frame.toolCallID = try value(depth: depth)
            default: try skipValue(depth: depth)
            }
        } while try nextMember()
    }

    /// `payload.data.args` of a tool call.
    private mutating func walkArgs(depth: Int) throws(FrameError) {
        guard try beginObject(depth: depth) else { return }
        repeat {
            let (keyStart, keyLength) = try readKey()
            if keyLength == 7, keyIs("command", keyStart, keyLength) {
                frame.command = try value(depth: depth)
            } else {
                try skipValue(depth: depth)
            }
        } while try nextMember()
    }

    /// `payload.message` of `chat` and `session.message` events.
    private mutating func walkMessage(depth: Int) throws(FrameError) {
        guard try beginObject(depth: depth) else { return }
        repeat {
            let (keyStart, keyLength) = try readKey()
            switch keyLength {
            case 4 where keyIs("role", keyStart, keyLength): frame.role = try value(depth: depth)
            case 7 where keyIs("content", keyStart, keyLength): frame.content = try value(depth: depth)
            case 9 where keyIs("timestamp", keyStart, keyLength): frame.messageTimestamp = try value(depth: depth)
            case 15 where keyIs("inputProvenance", keyStart, keyLength): try walkProvenance(depth: depth)
            default: try skipValue(depth: depth)
            }
        } while try nextMember()
    }

    /// `inputProvenance` (on the message, or on the payload): only its `kind`.
    private mutating func walkProvenance(depth: Int) throws(FrameError) {
        guard byte == UInt8(ascii: "{") else { return try skipValue(depth: depth) }
        guard try beginObject(depth: depth + 1) else { return }
        repeat {
            let (keyStart, keyLength) = try readKey()
            if keyLength == 4, keyIs("kind", keyStart, keyLength) {
                frame.provenanceKind = try value(depth: depth + 1)
            } else {
                try skipValue(depth: depth + 1)
            }
        } while try nextMember()
    }

    // MARK: Objects

    /// The byte at `index`; callers have checked `index < bytes.count`.
    @inline(__always)
    private var byte: UInt8 { bytes[index] }

    @inline(__always)
    private mutating func skipWhitespace() {
        // Not `JSONGrammar.endOfWhitespace`: on this hot path the in-place loop measured ~6%
        // faster for the whole scanner.
        while index < bytes.count {
            let current = bytes[index]
            guard current <= 0x20, current == 0x20 || current == 0x0A || current == 0x0D || current == 0x09 else { return }
            index &+= 1
        }
    }

    /// Consumes `{` and the whitespace after it; false (having consumed `}`) for `{}`.
    @inline(__always)
    private mutating func beginObject(depth: Int) throws(FrameError) -> Bool {
        guard depth <= Self.maximumDepth else { throw FrameError(.tooDeep, at: index) }
        index &+= 1
        skipWhitespace()
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        if byte == UInt8(ascii: "}") {
            index &+= 1
            return false
        }
        return true
    }

    /// Reads `"key"` `:` and the whitespace up to the value, which must be present.
    /// Returns the key's raw bytes (between the quotes). A key written with escapes never
    /// matches a known key: gateways write plain ASCII keys.
    @inline(__always)
    private mutating func readKey() throws(FrameError) -> (Int, Int) {
        // Fast path: a plain key of at most 15 bytes directly followed by `:` and a value
        // (compact JSON, as gateways write it), found with one or two SWAR words. The bytes
        // before the first flagged byte are plain, so a quote there ends a valid key.
        let keyStart = index &+ 1
        if keyStart &+ 18 <= bytes.count, bytes[index] == UInt8(ascii: "\"") {
            var mask = JSONGrammar.swarAttentionMask(bytes.loadUnaligned(fromByteOffset: keyStart, as: UInt64.self))
            var offset = 0
            if mask == 0 {
                mask = JSONGrammar.swarAttentionMask(bytes.loadUnaligned(fromByteOffset: keyStart &+ 8, as: UInt64.self))
                offset = 8
            }
            if mask != 0 {
                let length = offset &+ (mask.littleEndian.trailingZeroBitCount &>> 3)
                let quote = keyStart &+ length
                if bytes[quote] == UInt8(ascii: "\""), bytes[quote &+ 1] == UInt8(ascii: ":"), bytes[quote &+ 2] > 0x20 {
                    index = quote &+ 2
                    return (keyStart, length)
                }
            }
        }
        return try readKeyInFull()
    }

    /// `readKey` for keys with escapes, non-ASCII or long keys, whitespace, and errors.
    @inline(never)
    private mutating func readKeyInFull() throws(FrameError) -> (Int, Int) {
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        guard byte == UInt8(ascii: "\"") else { throw FrameError(.unexpectedByte, at: index) }
        var sawEscape = false
        let end = try JSONGrammar.endOfString(in: bytes, from: index, sawEscape: &sawEscape)
        let keyStart = index &+ 1
        let keyLength = sawEscape ? -1 : end &- 2 &- index
        index = end
        skipWhitespace()
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        guard byte == UInt8(ascii: ":") else { throw FrameError(.unexpectedByte, at: index) }
        index &+= 1
        skipWhitespace()
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        return (keyStart, keyLength)
    }

    /// After a member's value: true after `,` (another member follows), false after `}`.
    @inline(__always)
    private mutating func nextMember() throws(FrameError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        switch byte {
        case UInt8(ascii: ","):
            index &+= 1
            skipWhitespace()
            return true
        case UInt8(ascii: "}"):
            index &+= 1
            return false
        default:
            throw FrameError(.unexpectedByte, at: index)
        }
    }

    @inline(__always)
    private func keyIs(_ literal: StaticString, _ start: Int, _ length: Int) -> Bool {
        let pointer = literal.utf8Start
        var offset = 0
        while offset < length {
            if bytes[start &+ offset] != pointer[offset] { return false }
            offset &+= 1
        }
        return true
    }

    // MARK: Values

    /// Validates the value at `index` and returns its span.
    @inline(__always)
    private mutating func value(depth: Int) throws(FrameError) -> FrameSpan {
        let start = index
        switch byte {
        case UInt8(ascii: "\""):
            var sawEscape = false
            index = try JSONGrammar.endOfString(in: bytes, from: index, sawEscape: &sawEscape)
            return FrameSpan(start: start, end: index, kind: .string, hasEscapes: sawEscape)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            index = try JSONGrammar.endOfNumber(in: bytes, from: index)
            return FrameSpan(start: start, end: index, kind: .number)
        case UInt8(ascii: "{"):
            try skipContainer(depth: depth + 1)
            return FrameSpan(start: start, end: index, kind: .object)
        case UInt8(ascii: "["):
            try skipContainer(depth: depth + 1)
            return FrameSpan(start: start, end: index, kind: .array)
        case UInt8(ascii: "t"):
            try literal("true")
            return FrameSpan(start: start, end: index, kind: .true)
        case UInt8(ascii: "f"):
            try literal("false")
            return FrameSpan(start: start, end: index, kind: .false)
        case UInt8(ascii: "n"):
            try literal("null")
            return FrameSpan(start: start, end: index, kind: .null)
        default:
            throw FrameError(.unexpectedByte, at: index)
        }
    }

    /// Validates and passes over the value at `index`.
    @inline(__always)
    private mutating func skipValue(depth: Int) throws(FrameError) {
        switch byte {
        case UInt8(ascii: "\""):
            index = try JSONGrammar.endOfString(in: bytes, from: index)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer(depth: depth + 1)
        default:
            _ = try value(depth: depth)
        }
    }

    @inline(__always)
    private mutating func literal(_ text: StaticString) throws(FrameError) {
        index = try JSONGrammar.endOfLiteral(text, in: bytes, at: index)
    }

    /// Validates and passes over the object or array at `index` (at nesting level `depth`),
    /// iteratively: a bit per open container (1 = object) in a 128-bit stack.
    private mutating func skipContainer(depth: Int) throws(FrameError) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var level = 0
        var isObject = false

        @inline(__always) func push(_ object: Bool) {
            high = high << 1 | low >> 63
            low = low << 1 | (object ? 1 : 0)
        }
        @inline(__always) func pop() -> Bool {
            low = low >> 1 | high << 63
            high >>= 1
            return low & 1 == 1
        }

        // Opens the container at `index`; returns false if it closed at once.
        func open() throws(FrameError) -> Bool {
            guard depth &+ level <= Self.maximumDepth else { throw FrameError(.tooDeep, at: index) }
            isObject = byte == UInt8(ascii: "{")
            push(isObject)
            level &+= 1
            index &+= 1
            skipWhitespace()
            guard index < bytes.count else { throw FrameError(.truncated, at: index) }
            if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                index &+= 1
                return false
            }
            return true
        }

        guard try open() else { return }
        while true {
            // At the start of a member (object: key) or element (array).
            if isObject {
                guard byte == UInt8(ascii: "\"") else { throw FrameError(.unexpectedByte, at: index) }
                index = try JSONGrammar.endOfString(in: bytes, from: index)
                skipWhitespace()
                guard index < bytes.count else { throw FrameError(.truncated, at: index) }
                guard byte == UInt8(ascii: ":") else { throw FrameError(.unexpectedByte, at: index) }
                index &+= 1
                skipWhitespace()
                guard index < bytes.count else { throw FrameError(.truncated, at: index) }
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if try open() { continue }
                // An empty container is a complete value: back to its parent.
                isObject = pop()
                level &-= 1
            case UInt8(ascii: "\""):
                index = try JSONGrammar.endOfString(in: bytes, from: index)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                index = try JSONGrammar.endOfNumber(in: bytes, from: index)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw FrameError(.unexpectedByte, at: index)
            }
            // After a value: `,` or the close of the current container (possibly several).
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw FrameError(.truncated, at: index) }
                let current = byte
                if current == UInt8(ascii: ",") {
                    index &+= 1
                    skipWhitespace()
                    guard index < bytes.count else { throw FrameError(.truncated, at: index) }
                    break
                }
                guard current == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw FrameError(.unexpectedByte, at: index)
                }
                index &+= 1
                isObject = pop()
                level &-= 1
                if level == 0 { return }
            }
        }
    }
}
