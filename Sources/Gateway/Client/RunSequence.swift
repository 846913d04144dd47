import WireFormats

/// A frame's `payload.seq` as the client's duplicate and gap checks read it: a whole number
/// in `range`, refused (counted as a rejected value; the frame still goes on), or absent.
///
/// A plain value read from a scanned frame's bytes; any thread.
package struct RunSequence: Equatable {
    /// The `seq` values accepted: the gateway is JavaScript, whose numbers count exactly only
    /// up to 2^53 - 1; bounding seq there also keeps `seq + 1` far from overflow.
    package static let range: ClosedRange<Int64> = 0...((1 << 53) - 1)

    /// The number, when it is plain digits in `range`.
    package var value: Int64?
    /// True when `seq` was present but refused: a sign, a fraction, an exponent, another
    /// type, or a number outside `range`. A string or `null` counts as absent.
    package var isRejected: Bool

    /// Reads `frame.seq`.
    ///
    /// - Parameters:
    ///   - frame: a frame scanned from `bytes` (so its number spans are valid JSON numbers).
    package init(of frame: borrowing ScannedFrame, in bytes: FrameBytes) {
        switch frame.seq.kind {
        case .absent, .null, .string:
            value = nil
            isRejected = false
        default:
            value = Self.wholeNumber(frame.seq, in: bytes)
            isRejected = value == nil
        }
    }

    /// The digits of `span` as a number in `range`; nil for anything else.
    private static func wholeNumber(_ span: FrameSpan, in bytes: FrameBytes) -> Int64? {
        guard span.kind == .number else { return nil }
        var value: Int64 = 0
        for position in Int(span.start)..<Int(span.end) {
            let byte = bytes.bytes[position]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            // Digits from the wire: a long run must not overflow (it did, at 2^63).
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = product.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry, range.contains(sum) else { return nil }
            value = sum
        }
        return value
    }
}
