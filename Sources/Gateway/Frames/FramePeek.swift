/// A one-pass look at an OpenClaw frame, without decoding it: the top-level `type`,
/// `event`, `id`, `ok`, and in `payload` the fields the client needs for bookkeeping
/// (`runId`, `seq`, `sessionKey`, `state`, `messageId`, `agentId`).
///
/// It checks the structure of the whole frame (balanced, terminated, an object at the top),
/// so a frame it accepts is well-formed JSON as far as nesting and strings go. Values are
/// byte ranges of the scanned buffer; strings are raw (escapes kept), which is what ids are.
/// Only valid while the buffer is: use it inside the delivery call. Package-visible for the
/// frame fuzz target.
package struct FramePeek {
    /// A byte range of the scanned frame.
    package struct Field {
        var start: Int
        var end: Int
    }

    var type: Field?
    var event: Field?
    package var id: Field?
    var ok: Bool?
    var runID: Field?
    /// `payload.seq` when it is a whole number in `sequenceRange`.
    package var payloadSeq: Int64?
    /// True when `payload.seq` was present but refused: not a whole number, or outside
    /// `sequenceRange` (counted by the client as a rejected value; the frame still goes on).
    package var hasRejectedSeq = false
    var sessionKey: Field?
    var state: Field?
    var messageID: Field?
    var agentID: Field?

    private let bytes: UnsafeRawBufferPointer

    /// Scans a frame.
    ///
    /// - Returns: nil when the bytes are not one well-formed JSON object.
    package init?(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        var scanner = Scanner(bytes: bytes)
        guard scanner.scanTopLevel(into: &self) else { return nil }
    }

    /// The text of a field.
    package func string(_ field: Field?) -> String? {
        guard let field else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
    }

    /// The identity hash of a field's bytes (no allocation).
    func hash(_ field: Field) -> UInt64 {
        IdentityHash.of(UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end]))
    }

    /// True when the field's bytes are exactly `text`.
    func field(_ field: Field?, is text: StaticString) -> Bool {
        guard let field, field.end - field.start == text.utf8CodeUnitCount else { return false }
        return memcmp(bytes.baseAddress! + field.start, text.utf8Start, text.utf8CodeUnitCount) == 0
    }

    /// The `seq` values accepted: the gateway is JavaScript, whose numbers count exactly only
    /// up to 2^53 - 1; bounding seq there also keeps `seq + 1` far from overflow.
    package static let sequenceRange: ClosedRange<Int64> = 0...((1 << 53) - 1)

    var isEvent: Bool { field(type, is: "event") }
    var isResponse: Bool { field(type, is: "res") }
    package var isRequest: Bool { field(type, is: "req") }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0a, 0x0d: index += 1
                default: return
                }
            }
        }

        mutating func scanTopLevel(into peek: inout FramePeek) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
            guard scanObject(depth: 1, into: &peek) else { return false }
            skipSpace()
            return index == bytes.count
        }

        /// Scans an object starting at `{`; depth 1 is the frame, 2 its payload.
        mutating func scanObject(depth: Int, into peek: inout FramePeek) -> Bool {
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return true }
            while true {
                skipSpace()
                guard let key = scanString() else { return false }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                index += 1
                skipSpace()
                guard index < bytes.count else { return false }
                let valueStart = index
                let first = bytes[index]
                if depth == 1 && isKey(key, "payload") && first == UInt8(ascii: "{") {
                    guard scanObject(depth: 2, into: &peek) else { return false }
                } else if first == UInt8(ascii: "\"") {
                    guard let value = scanString() else { return false }
                    record(key: key, string: value, depth: depth, into: &peek)
                } else {
                    guard skipValue() else { return false }
                    if depth == 1 && isKey(key, "ok") { peek.ok = first == UInt8(ascii: "t") }
                    if depth == 2 && isKey(key, "seq") && first != UInt8(ascii: "n") {
                        peek.payloadSeq = integer(valueStart..<index)
                        peek.hasRejectedSeq = peek.payloadSeq == nil
                    }
                }
                skipSpace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return true }
                return false
            }
        }

        func record(key: Field, string value: Field, depth: Int, into peek: inout FramePeek) {
            if depth == 1 {
                if isKey(key, "type") { peek.type = value }
                else if isKey(key, "event") { peek.event = value }
                else if isKey(key, "id") { peek.id = value }
            } else {
                if isKey(key, "runId") { peek.runID = value }
                else if isKey(key, "sessionKey") { peek.sessionKey = value }
                else if isKey(key, "state") { peek.state = value }
                else if isKey(key, "messageId") { peek.messageID = value }
                else if isKey(key, "agentId") { peek.agentID = value }
            }
        }

        func isKey(_ key: Field, _ name: StaticString) -> Bool {
            guard key.end - key.start == name.utf8CodeUnitCount else { return false }
            return memcmp(bytes.baseAddress! + key.start, name.utf8Start, name.utf8CodeUnitCount) == 0
        }

        /// The digits at `range` as a number in `sequenceRange`; nil for anything else.
        func integer(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            var sawDigit = false
            for position in range {
                let byte = bytes[position]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                sawDigit = true
                // Digits from the wire: a long run must not overflow (it did, at 2^63).
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = product.addingReportingOverflow(Int64(byte - 0x30))
                guard !overflow, !carry, FramePeek.sequenceRange.contains(sum) else { return nil }
                value = sum
            }
            return sawDigit ? value : nil
        }

        /// Scans a string at `"`; returns the range between the quotes.
        mutating func scanString() -> Field? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") {
                    let field = Field(start: start, end: index)
                    index += 1
                    return field
                }
                if byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// Skips any value; nested containers are checked for balance.
        mutating func skipValue() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return scanString() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                // A bit per open container (1 = object), no allocation; deeper than 64
                // levels is refused as malformed (no gateway frame nests that deep).
                var kinds: UInt64 = bytes[index] == UInt8(ascii: "{") ? 1 : 0
                var depth = 1
                index += 1
                while index < bytes.count {
                    let byte = bytes[index]
                    switch byte {
                    case UInt8(ascii: "\""):
                        guard scanString() != nil else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        guard depth < 64 else { return false }
                        kinds = kinds << 1 | (byte == UInt8(ascii: "{") ? 1 : 0)
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        guard (kinds & 1 == 1) == (byte == UInt8(ascii: "}")) else { return false }
                        kinds >>= 1
                        depth -= 1
                    default:
                        break
                    }
                    index += 1
                    if depth == 0 { return true }
                }
                return false
            default:
                let start = index
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0a, 0x0d:
                        return index > start
                    default:
                        index += 1
                    }
                }
                return index > start
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
