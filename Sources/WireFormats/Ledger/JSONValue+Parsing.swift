extension JSONValue {
    /// Objects and arrays nested deeper than this are rejected (`FrameError.Code.tooDeep`):
    /// the parser recurses, and no MO§ES or OpenClaw document comes near it. Python's own
    /// limit is about 1000; 512 keeps our stack use small.
    package static let maximumDepth = 512

    /// Parses one JSON document strictly (RFC 8259: no NaN, no comments, no trailing commas,
    /// well-formed UTF-8, no lone surrogates), allowing surrounding whitespace.
    ///
    /// - Parameter bytes: the UTF-8 document.
    /// - Returns: the value.
    /// - Throws: `FrameError` with the byte offset of the first problem.
    package static func parse(_ bytes: some Collection<UInt8>) throws(FrameError) -> JSONValue {
        let result: Result<JSONValue, FrameError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parseResult(UnsafeRawBufferPointer(buffer))
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { parseResult($0) }.get()
    }

    /// Parses one JSON document from raw bytes (a span of a larger buffer).
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws(FrameError) -> JSONValue {
        try parseResult(bytes).get()
    }

    /// Parses one JSON document from a string's UTF-8.
    package static func parse(_ text: String) throws(FrameError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseResult(UnsafeRawBufferPointer($0)) }.get()
    }

    private static func parseResult(_ buffer: UnsafeRawBufferPointer) -> Result<JSONValue, FrameError> {
        var parser = JSONValueParser(buffer)
        do throws(FrameError) {
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.index != buffer.count { throw FrameError(.trailingGarbage, at: parser.index) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

/// The recursive-descent parser behind `JSONValue.parse`. Lives for one call.
private struct JSONValueParser {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipWhitespace() {
        index = JSONGrammar.endOfWhitespace(in: bytes, from: index)
    }

    mutating func parseValue(depth: Int) throws(FrameError) -> JSONValue {
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            index = try JSONGrammar.endOfNumber(in: bytes, from: index)
            return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        default:
            throw FrameError(.unexpectedByte, at: index)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(FrameError) {
        index = try JSONGrammar.endOfLiteral(literal, in: bytes, at: index)
    }

    mutating func parseString() throws(FrameError) -> String {
        let end = try JSONGrammar.endOfString(in: bytes, from: index)
        let text = JSONGrammar.decodeString(in: bytes, from: index, to: end)
        index = end
        return text
    }

    mutating func parseObject(depth: Int) throws(FrameError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw FrameError(.tooDeep, at: index) }
        index += 1
        var members: [JSONValue.Member] = []
        members.reserveCapacity(16)  // a ledger entry has 12 to 14 members
        skipWhitespace()
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard index < bytes.count else { throw FrameError(.truncated, at: index) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw FrameError(.unexpectedByte, at: index) }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count else { throw FrameError(.truncated, at: index) }
            guard bytes[index] == UInt8(ascii: ":") else { throw FrameError(.unexpectedByte, at: index) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONValue.Member(key, value))
            skipWhitespace()
            guard index < bytes.count else { throw FrameError(.truncated, at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                throw FrameError(.unexpectedByte, at: index)
            }
        }
    }

    mutating func parseArray(depth: Int) throws(FrameError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw FrameError(.tooDeep, at: index) }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        guard index < bytes.count else { throw FrameError(.truncated, at: index) }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw FrameError(.truncated, at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw FrameError(.unexpectedByte, at: index)
            }
        }
    }
}
