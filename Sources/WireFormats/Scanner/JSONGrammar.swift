/// The byte-level JSON grammar shared by `FrameScanner` (hot path) and `JSONValue.parse`:
/// where a string or number ends, with full validation, and how a validated string decodes.
///
/// Stateless; any thread. Every function reads only inside `bytes` and reports the first
/// offending offset.
package enum JSONGrammar {
    /// The index of the first byte at or after `start` that is not JSON whitespace (space,
    /// tab, CR, LF), or `bytes.count`.
    @inline(__always)
    package static func endOfWhitespace(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let current = bytes[index]
            guard current <= 0x20, current == 0x20 || current == 0x0A || current == 0x0D || current == 0x09 else { break }
            index &+= 1
        }
        return index
    }

    /// The index just past `literal` (`true`, `false`, `null`) written at `start`.
    ///
    /// - Throws: `truncated` or `unexpectedByte` at the first byte that does not match.
    @inline(__always)
    package static func endOfLiteral(_ literal: StaticString, in bytes: UnsafeRawBufferPointer, at start: Int) throws(FrameError) -> Int {
        let length = literal.utf8CodeUnitCount
        let pointer = literal.utf8Start
        for offset in 0..<length {
            guard start &+ offset < bytes.count else { throw FrameError(.truncated, at: start &+ offset) }
            guard bytes[start &+ offset] == pointer[offset] else { throw FrameError(.unexpectedByte, at: start &+ offset) }
        }
        return start &+ length
    }

    /// The index just past the closing quote of the string whose opening quote is at `start`.
    ///
    /// Validates escapes (including UTF-16 surrogate pairing in `\u` escapes), rejects raw
    /// control bytes, and checks that the contents are well-formed UTF-8.
    @inline(__always)
    package static func endOfString(in bytes: UnsafeRawBufferPointer, from start: Int) throws(FrameError) -> Int {
        var sawEscape = false
        return try endOfString(in: bytes, from: start, sawEscape: &sawEscape)
    }

    /// `endOfString(in:from:)`, also setting `sawEscape` when the string holds a backslash
    /// escape (so callers can compare its raw bytes when it does not).
    @inline(__always)
    package static func endOfString(
        in bytes: UnsafeRawBufferPointer, from start: Int, sawEscape: inout Bool
    ) throws(FrameError) -> Int {
        let count = bytes.count
        var index = start + 1
        while true {
            // Fast path: eight bytes at a time, jumping straight to the first byte that needs
            // attention (quote, backslash, control or high bit). The lowest flagged byte of
            // the SWAR mask is exact (borrows only create false flags above a true one).
            while index &+ 8 <= count {
                let mask = swarAttentionMask(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                if mask == 0 {
                    index &+= 8
                } else {
                    index &+= mask.littleEndian.trailingZeroBitCount &>> 3
                    break
                }
            }
            guard index < count else { throw FrameError(.truncated, at: index) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                return index &+ 1
            } else if byte == UInt8(ascii: "\\") {
                sawEscape = true
                index = try endOfEscape(in: bytes, from: index)
            } else if byte < 0x20 {
                throw FrameError(.controlCharacter, at: index)
            } else if byte < 0x80 {
                index &+= 1
            } else {
                index = try endOfUTF8Sequence(in: bytes, from: index)
            }
        }
    }

    /// A mask with the high bit set in (at least) the lowest byte of `word` (as loaded,
    /// little-endian) that is `"`, `\`, below 0x20, or 0x80 and above; zero when none is.
    @inline(__always)
    static func swarAttentionMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // A byte is zero iff (b - 1) & ~b has its high bit set; b < 0x20 iff (b - 0x20) borrows.
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        // Below 0x20 (the subtraction borrows into the high bit) or 0x80 and above, in one go.
        let hasControlOrHigh = ((word &- (ones &* 0x20)) | word) & highs
        return hasQuote | hasBackslash | hasControlOrHigh
    }

    /// The index after the escape whose backslash is at `start`.
    @inline(__always)
    static func endOfEscape(in bytes: UnsafeRawBufferPointer, from start: Int) throws(FrameError) -> Int {
        let count = bytes.count
        guard start + 1 < count else { throw FrameError(.truncated, at: start + 1) }
        switch bytes[start + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return start + 2
        case UInt8(ascii: "u"):
            let unit = try hexQuad(in: bytes, at: start + 2)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low surrogate.
                guard start + 7 < count else { throw FrameError(.truncated, at: start + 6) }
                guard bytes[start + 6] == UInt8(ascii: "\\"), bytes[start + 7] == UInt8(ascii: "u") else {
                    throw FrameError(.badEscape, at: start)
                }
                let low = try hexQuad(in: bytes, at: start + 8)
                guard (0xDC00...0xDFFF).contains(low) else { throw FrameError(.badEscape, at: start + 6) }
                return start + 12
            case 0xDC00...0xDFFF:
                throw FrameError(.badEscape, at: start)
            default:
                return start + 6
            }
        default:
            throw FrameError(.badEscape, at: start)
        }
    }

    /// The four hex digits at `index` as a UTF-16 code unit.
    @inline(__always)
    static func hexQuad(in bytes: UnsafeRawBufferPointer, at index: Int) throws(FrameError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw FrameError(.truncated, at: min(index, bytes.count)) }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte &- UInt8(ascii: "A") &+ 10)
            default: throw FrameError(.badEscape, at: index + offset)
            }
            value = value << 4 | digit
        }
        return value
    }

    /// The index after the well-formed multi-byte UTF-8 sequence starting at `start`
    /// (Unicode table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
    @inline(__always)
    static func endOfUTF8Sequence(in bytes: UnsafeRawBufferPointer, from start: Int) throws(FrameError) -> Int {
        let lead = bytes[start]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: throw FrameError(.invalidUTF8, at: start)
        }
        guard start + length <= bytes.count else {
            // A cut-off sequence is still bad UTF-8 if what is there is wrong; else truncated.
            for index in (start + 1)..<bytes.count where bytes[index] & 0xC0 != 0x80 {
                throw FrameError(.invalidUTF8, at: index)
            }
            throw FrameError(.truncated, at: bytes.count)
        }
        let second = bytes[start + 1]
        guard second >= lowerBound, second <= upperBound else { throw FrameError(.invalidUTF8, at: start + 1) }
        var index = start + 2
        while index < start + length {
            guard bytes[index] & 0xC0 == 0x80 else { throw FrameError(.invalidUTF8, at: index) }
            index += 1
        }
        return index
    }

    /// The index just past the number starting at `start`, which must follow the JSON grammar
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    @inline(__always)
    package static func endOfNumber(in bytes: UnsafeRawBufferPointer, from start: Int) throws(FrameError) -> Int {
        let count = bytes.count
        var index = start
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count else { throw FrameError(.truncated, at: index) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            index = endOfDigits(in: bytes, from: index + 1)
        } else {
            throw FrameError(.badNumber, at: index)
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < count else { throw FrameError(.truncated, at: index) }
            guard isDigit(bytes[index]) else { throw FrameError(.badNumber, at: index) }
            index = endOfDigits(in: bytes, from: index + 1)
        }
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < count else { throw FrameError(.truncated, at: index) }
            guard isDigit(bytes[index]) else { throw FrameError(.badNumber, at: index) }
            index = endOfDigits(in: bytes, from: index + 1)
        }
        // "01" and "1x" are caught by the caller's next-token check; "-01" and "01" here.
        if index < count, isDigit(bytes[index]) { throw FrameError(.badNumber, at: index) }
        return index
    }

    /// The index of the first non-digit at or after `start` (or `bytes.count`), eight bytes
    /// at a time: millisecond timestamps have 13 digits.
    @inline(__always)
    static func endOfDigits(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let count = bytes.count
        var index = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while index &+ 8 <= count {
            // x = b ^ 0x30 maps digits to 0...9; a byte is no digit iff x > 9. The lowest
            // flag is exact: carries only leave bytes that are flagged themselves.
            let x = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ (ones &* 0x30)
            let nonDigits = ((x &+ ones &* (0x7F - 9)) | x) & highs
            if nonDigits != 0 {
                return index &+ (nonDigits.littleEndian.trailingZeroBitCount &>> 3)
            }
            index &+= 8
        }
        while index < count, isDigit(bytes[index]) { index &+= 1 }
        return index
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Decodes the string whose quotes are at `start` and `end - 1`, already validated by
    /// `endOfString`. Allocates the result.
    package static func decodeString(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> String {
        let body = UnsafeRawBufferPointer(rebasing: bytes[(start + 1)..<(end - 1)])
        if !body.contains(UInt8(ascii: "\\")) {
            return String(decoding: body, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(body.count)
        appendDecodedString(in: bytes, from: start, to: end, into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Appends the UTF-8 of the validated string at `start..<end` (quotes included) to `output`,
    /// resolving escapes. Allocation-free when `output` has the capacity.
    package static func appendDecodedString(
        in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, into output: inout [UInt8]
    ) {
        var index = start + 1
        let last = end - 1
        while index < last {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                // Validated already: hex digits, surrogates paired.
                var scalar = (try? hexQuad(in: bytes, at: index)) ?? 0xFFFD
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = (try? hexQuad(in: bytes, at: index + 2)) ?? 0xDC00
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                appendUTF8(of: scalar, to: &output)
            default: output.append(escaped)  // `"`, `\`, `/`
            }
        }
    }

    @inline(__always)
    static func appendUTF8(of scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
