/// Reads the values behind a `ScannedFrame`'s spans: compares, decodes strings, parses
/// numbers. Borrowed view of the frame's bytes; valid only inside the `withUnsafeBytes`
/// call that produced them. Comparisons and number parsing do not allocate.
package struct FrameBytes {
    package let bytes: UnsafeRawBufferPointer

    @inline(__always)
    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// True when `span` is a string equal to `literal` (ASCII, no escapes needed).
    @inline(__always)
    package func string(_ span: FrameSpan, equals literal: StaticString) -> Bool {
        guard span.kind == .string else { return false }
        if span.hasEscapes { return decodedString(span) == literal.description }
        let length = literal.utf8CodeUnitCount
        guard Int(span.end) &- Int(span.start) &- 2 == length else { return false }
        let pointer = literal.utf8Start
        let start = Int(span.start) &+ 1
        var offset = 0
        while offset < length {
            if bytes[start &+ offset] != pointer[offset] { return false }
            offset &+= 1
        }
        return true
    }

    /// True when `span` is a string starting with `prefix` (compared after decoding).
    package func string(_ span: FrameSpan, hasPrefix prefix: StaticString) -> Bool {
        guard span.kind == .string else { return false }
        if span.hasEscapes { return decodedString(span).hasPrefix(prefix.description) }
        let length = prefix.utf8CodeUnitCount
        guard Int(span.end) &- Int(span.start) &- 2 >= length else { return false }
        let pointer = prefix.utf8Start
        for offset in 0..<length where bytes[Int(span.start) + 1 + offset] != pointer[offset] { return false }
        return true
    }

    /// The decoded string of a string span (allocates).
    package func decodedString(_ span: FrameSpan) -> String {
        precondition(span.kind == .string, "decodedString on a non-string span")
        if !span.hasEscapes {
            // Validated by the scanner: the raw bytes are the string.
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(Int(span.start) + 1)..<(Int(span.end) - 1)]), as: UTF8.self)
        }
        return JSONGrammar.decodeString(in: bytes, from: Int(span.start), to: Int(span.end))
    }

    /// True when the string span is `""`.
    @inline(__always)
    package func isEmptyString(_ span: FrameSpan) -> Bool {
        span.kind == .string && span.end &- span.start == 2
    }

    /// The integer value of a number span: the integer part of a decimal (`1767.9` is 1767),
    /// exponents resolved through `Double`; nil when it does not fit in 64 bits.
    @inline(__always)
    package func int64(_ span: FrameSpan) -> Int64? {
        guard span.kind == .number else { return nil }
        var index = Int(span.start)
        let end = Int(span.end)
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index &+= 1 }
        var value: Int64 = 0
        let digitsEnd = JSONGrammar.endOfDigits(in: bytes, from: index)
        if digitsEnd &- index <= 18 {
            // Eighteen digits cannot overflow 63 bits: no checks needed. Eight at a time
            // first (millisecond timestamps have 13).
            while digitsEnd &- index >= 8 {
                let chunk = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                value = value &* 100_000_000 &+ Int64(Self.valueOfEightDigits(chunk))
                index &+= 8
            }
            while index < digitsEnd {
                value = value &* 10 &+ Int64(bytes[index] &- UInt8(ascii: "0"))
                index &+= 1
            }
        } else {
            while index < digitsEnd {
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int64(bytes[index] &- UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index &+= 1
            }
        }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") || hasExponent(from: index, to: end) {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[Int(span.start)..<end]), as: UTF8.self)
            guard let double = Double(text), double.isFinite, abs(double) < 9.2e18 else { return nil }
            return Int64(double)
        }
        return negative ? -value : value
    }

    /// The value of eight ASCII digits, the first in the lowest byte (Lemire's SWAR
    /// method: pairs, then quads, then the whole, each a multiply and a shift).
    @inline(__always)
    static func valueOfEightDigits(_ chunk: UInt64) -> UInt64 {
        var value = chunk &- 0x3030_3030_3030_3030
        value = value &* 10 &+ (value >> 8)
        let pairs: UInt64 = 0x0000_00FF_0000_00FF
        value = ((value & pairs) &* (100 &+ (1_000_000 << 32)) &+ ((value >> 16) & pairs) &* (1 &+ (10_000 << 32))) >> 32
        return value & 0xFFFF_FFFF
    }

    private func hasExponent(from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end {
            if bytes[index] | 0x20 == UInt8(ascii: "e") { return true }
            index &+= 1
        }
        return false
    }

    /// Appends the decoded UTF-8 of a string span to `output` (no allocation when `output`
    /// has the capacity).
    @inline(__always)
    package func appendString(_ span: FrameSpan, to output: inout [UInt8]) {
        if span.hasEscapes {
            JSONGrammar.appendDecodedString(in: bytes, from: Int(span.start), to: Int(span.end), into: &output)
        } else {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[(Int(span.start) + 1)..<(Int(span.end) - 1)]))
        }
    }
}
