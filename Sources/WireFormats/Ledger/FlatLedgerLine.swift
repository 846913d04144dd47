#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Governance

/// A MO§ES ledger line read straight from its bytes, for the per-line hot path (the ledger
/// tail, captures): its engine view and canonical hash with no `JSONValue` built.
///
/// Only lines that are one flat JSON object (string, number, boolean and null values) with
/// distinct keys written without escapes qualify: what `audit_stub.py` and `lineage.py`
/// write. Anything else (an `isnad` object, a repeated key, bad JSON) is left to
/// `MosesLedgerRecord`, which handles every line and reports errors; the two agree on every
/// flat line (tested).
///
/// Lives for one call; reads only inside `bytes`.
struct FlatLedgerLine {
    /// Audit entries have 12 members, genesis lines 9; more than this goes the general way.
    static let maximumMembers = 32

    private struct Member {
        var key: FrameSpan
        var value: FrameSpan
    }

    private let bytes: UnsafeRawBufferPointer
    /// Members in file order.
    private var members: [Member] = []
    /// Indices of `members` in key order (code point order is UTF-8 byte order).
    private var keyOrder: [Int] = []

    /// Scans `bytes`; nil when the line is not a flat object with distinct plain keys, or is
    /// not valid JSON at all.
    init?(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        // Spans hold 32-bit offsets: a longer line goes the general way.
        guard bytes.count < Int(Int32.max) else { return nil }
        members.reserveCapacity(16)
        guard (try? scanObject()) == true else { return nil }
        keyOrder = sortedByKey()
        // A repeated key (Python keeps its last value) is left to the general parser.
        for (first, second) in zip(keyOrder, keyOrder.dropFirst())
        where compareKeys(members[first].key, members[second].key) == 0 {
            return nil
        }
    }

    /// The engine's view of the line, as `MosesLedgerRecord.ledgerEntry(line:)` gives it.
    func ledgerEntry(line: Int?) -> LedgerEntry {
        // One pass over the members for the string fields the engine reads.
        var agent, action, event, timestamp, hash, previousHash, prevHash: FrameSpan?
        for member in members {
            let key = member.key
            let isString = member.value.kind == .string
            switch key.end - key.start - 2 {
            case 4 where isString && keyEquals(key, "hash"): hash = member.value
            case 5 where isString && keyEquals(key, "agent"): agent = member.value
            case 5 where isString && keyEquals(key, "event"): event = member.value
            case 6 where isString && keyEquals(key, "action"): action = member.value
            case 9 where keyEquals(key, "timestamp"): timestamp = member.value  // any kind: see below
            case 9 where isString && keyEquals(key, "prev_hash"): prevHash = member.value
            case 13 where isString && keyEquals(key, "previous_hash"): previousHash = member.value
            default: break
            }
        }
        let fields = FrameBytes(bytes)
        let isGenesis = event.map { fields.string($0, equals: "genesis") } ?? false
        let milliseconds = timestamp.flatMap { span -> Int64? in
            guard span.kind == .string else { return nil }
            return span.hasEscapes
                ? LedgerTimestamp.milliseconds(from: fields.decodedString(span))
                : LedgerTimestamp.milliseconds(from: self.bytes(of: span))
        }
        return LedgerEntry(
            agent: agent.map(fields.decodedString) ?? "",
            action: action.map(fields.decodedString) ?? (isGenesis ? "genesis" : ""),
            timestamp: milliseconds,
            hash: hash.map(fields.decodedString) ?? "",
            previousHash: (previousHash ?? prevHash).map(fields.decodedString) ?? "",
            computedHash: MosesLedgerRecord.hexString(SHA256.hash(data: canonicalBytes())),
            line: line,
            hasRejectedTimestamp: milliseconds == nil && timestamp.map { $0.kind != .null } == true
        )
    }

    /// The entry without `hash` as Python's `json.dumps(sort_keys=True, separators=(',',':'),
    /// ensure_ascii=False)` writes it: keys in code point (= UTF-8 byte) order; strings
    /// without escapes are copied as written (they hold nothing Python would escape), others
    /// are decoded and re-escaped the way Python does.
    func canonicalBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(UInt8(ascii: "{"))
        for index in keyOrder where !keyEquals(members[index].key, "hash") {
            if output.count > 1 { output.append(UInt8(ascii: ",")) }
            let member = members[index]
            output.append(contentsOf: bytes(of: member.key, quoted: true))
            output.append(UInt8(ascii: ":"))
            switch member.value.kind {
            case .string where member.value.hasEscapes:
                JSONValue.appendString(FrameBytes(bytes).decodedString(member.value), to: &output, asciiOnly: false)
            case .number:
                output.append(contentsOf: JSONValue.pythonNumber(String(decoding: bytes(of: member.value, quoted: true), as: UTF8.self)).utf8)
            default:
                output.append(contentsOf: bytes(of: member.value, quoted: true))
            }
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    // MARK: Bytes

    /// A span's bytes; for strings (keys included) without the quotes unless `quoted`.
    private func bytes(of span: FrameSpan, quoted: Bool = false) -> UnsafeRawBufferPointer {
        let trim = span.kind == .string && !quoted ? 1 : 0
        return UnsafeRawBufferPointer(rebasing: bytes[(Int(span.start) + trim)..<(Int(span.end) - trim)])
    }

    private func keyEquals(_ key: FrameSpan, _ literal: StaticString) -> Bool {
        let raw = bytes(of: key)
        return raw.count == literal.utf8CodeUnitCount && memcmp(raw.baseAddress!, literal.utf8Start, raw.count) == 0
    }

    /// Member indices in key byte order, by insertion sort: a ledger line has a dozen keys,
    /// mostly written in the same order.
    private func sortedByKey() -> [Int] {
        var order = Array(members.indices)
        for next in order.indices.dropFirst() {
            let index = order[next]
            var slot = next
            while slot > 0, compareKeys(members[index].key, members[order[slot - 1]].key) < 0 {
                order[slot] = order[slot - 1]
                slot -= 1
            }
            order[slot] = index
        }
        return order
    }

    /// Negative, zero or positive as `left`'s bytes sort before, equal or after `right`'s.
    private func compareKeys(_ left: FrameSpan, _ right: FrameSpan) -> Int {
        let a = bytes(of: left), b = bytes(of: right)
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }

    // MARK: Scanning

    /// Reads the one top-level object into `members`; false when it is not flat or its keys
    /// need decoding. Throws for malformed JSON (the general parser reports it).
    private mutating func scanObject() throws(FrameError) -> Bool {
        var index = JSONGrammar.endOfWhitespace(in: bytes, from: 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
        index = JSONGrammar.endOfWhitespace(in: bytes, from: index + 1)
        guard index < bytes.count else { return false }
        if bytes[index] != UInt8(ascii: "}") {
            while true {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), members.count < Self.maximumMembers else {
                    return false
                }
                var keyHasEscape = false
                let keyEnd = try JSONGrammar.endOfString(in: bytes, from: index, sawEscape: &keyHasEscape)
                guard !keyHasEscape else { return false }
                let key = FrameSpan(start: index, end: keyEnd, kind: .string)
                index = JSONGrammar.endOfWhitespace(in: bytes, from: keyEnd)
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                index = JSONGrammar.endOfWhitespace(in: bytes, from: index + 1)
                guard index < bytes.count, let value = try scalar(at: index) else { return false }
                members.append(Member(key: key, value: value))
                index = JSONGrammar.endOfWhitespace(in: bytes, from: Int(value.end))
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: "}") { break }
                guard bytes[index] == UInt8(ascii: ",") else { return false }
                index = JSONGrammar.endOfWhitespace(in: bytes, from: index + 1)
            }
        }
        return JSONGrammar.endOfWhitespace(in: bytes, from: index + 1) == bytes.count
    }

    /// The string, number or literal at `start`; nil for an object, an array or a stray byte.
    private func scalar(at start: Int) throws(FrameError) -> FrameSpan? {
        switch bytes[start] {
        case UInt8(ascii: "\""):
            var sawEscape = false
            let end = try JSONGrammar.endOfString(in: bytes, from: start, sawEscape: &sawEscape)
            return FrameSpan(start: start, end: end, kind: .string, hasEscapes: sawEscape)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return FrameSpan(start: start, end: try JSONGrammar.endOfNumber(in: bytes, from: start), kind: .number)
        case UInt8(ascii: "t"): return FrameSpan(start: start, end: try JSONGrammar.endOfLiteral("true", in: bytes, at: start), kind: .true)
        case UInt8(ascii: "f"): return FrameSpan(start: start, end: try JSONGrammar.endOfLiteral("false", in: bytes, at: start), kind: .false)
        case UInt8(ascii: "n"): return FrameSpan(start: start, end: try JSONGrammar.endOfLiteral("null", in: bytes, at: start), kind: .null)
        default: return nil
        }
    }
}

extension MosesLedgerRecord {
    /// The engine's view of one ledger line: from its bytes directly when the line is flat
    /// (`FlatLedgerLine`), else through the general parser. Same result either way.
    ///
    /// - Parameters:
    ///   - bytes: the line, without its newline.
    ///   - line: the 1-based line number in the ledger file, when known.
    /// - Throws: `FrameError` when the line is not a JSON object.
    package static func ledgerEntry(parsing bytes: UnsafeRawBufferPointer, line: Int? = nil) throws(FrameError) -> LedgerEntry {
        if let flat = FlatLedgerLine(bytes) { return flat.ledgerEntry(line: line) }
        return try MosesLedgerRecord(line: bytes).ledgerEntry(line: line)
    }
}
