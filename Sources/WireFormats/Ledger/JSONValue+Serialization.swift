extension JSONValue {
    /// The two ways the MO§ES scripts write JSON with Python's `json.dumps`.
    package enum PythonStyle: Sendable {
        /// `json.dumps(v, sort_keys=True, separators=(',',':'), ensure_ascii=False)`: the form
        /// whose SHA-256 is a ledger entry's `hash`.
        case canonical
        /// `json.dumps(v)`: the form of a line in `audit_ledger.jsonl` (`", "` and `": "`
        /// separators, insertion order, non-ASCII as `\uXXXX`, astral planes as surrogate pairs).
        case fileLine
        /// `json.dumps(v, separators=(',',':'), ensure_ascii=False)`: compact like `.canonical`
        /// but in insertion order, for output whose key order means something (a SELECT's
        /// column order).
        case compactInOrder
    }

    /// The UTF-8 bytes Python's `json.dumps` writes for this value in `style`.
    ///
    /// Objects follow `dict` semantics: a repeated key keeps its first position and its last
    /// value. Integers print as Python prints them (`-0` becomes `0`); other numbers print as
    /// Python's `float` repr for the value Swift parses (the two agree on shortest round-trip
    /// digits; `1e400` would be `Infinity` in Python and is kept as written here).
    /// O(size), plus O(k log k) per object of k members for `.canonical`.
    package func pythonJSON(_ style: PythonStyle) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)  // a ledger entry is about 400 bytes
        append(to: &output, style: style)
        return output
    }

    /// `pythonJSON(style)` as a string.
    package func pythonJSONString(_ style: PythonStyle) -> String {
        String(decoding: pythonJSON(style), as: UTF8.self)
    }

    private func append(to output: inout [UInt8], style: PythonStyle) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): output.append(contentsOf: Self.pythonNumber(text).utf8)
        case .string(let text): Self.appendString(text, to: &output, asciiOnly: style == .fileLine)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { Self.appendItemSeparator(to: &output, style: style) }
                element.append(to: &output, style: style)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            var entries = Self.dictionarySemantics(members)
            if style == .canonical {
                // Python sorts str keys by code point; UTF-8 byte order is code point order
                // (Swift's String `<` is not: it compares canonical equivalence).
                entries = Self.sortedByCodePoint(entries)
            }
            output.append(UInt8(ascii: "{"))
            for (position, member) in entries.enumerated() {
                if position > 0 { Self.appendItemSeparator(to: &output, style: style) }
                Self.appendString(member.key, to: &output, asciiOnly: style == .fileLine)
                output.append(UInt8(ascii: ":"))
                if style == .fileLine { output.append(UInt8(ascii: " ")) }
                member.value.append(to: &output, style: style)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// `members` in Python's `str` order of their keys: by code point, which is the order of
    /// the UTF-8 bytes (Swift's String `<` is not: it compares canonical equivalence). Sorts
    /// on each key's first eight bytes and compares whole keys only on a tie.
    private static func sortedByCodePoint(_ members: [Member]) -> [Member] {
        var order: [(prefix: UInt64, index: Int)] = []
        order.reserveCapacity(members.count)
        for (index, member) in members.enumerated() {
            var prefix: UInt64 = 0
            var taken = 0
            for byte in member.key.utf8.prefix(8) {
                prefix = prefix << 8 | UInt64(byte)
                taken += 1
            }
            prefix <<= UInt64(8 * (8 - taken))
            order.append((prefix, index))
        }
        order.sort { first, second in
            if first.prefix != second.prefix { return first.prefix < second.prefix }
            return members[first.index].key.utf8.lexicographicallyPrecedes(members[second.index].key.utf8)
        }
        return order.map { members[$0.index] }
    }

    private static func appendItemSeparator(to output: inout [UInt8], style: PythonStyle) {
        output.append(UInt8(ascii: ","))
        if style == .fileLine { output.append(UInt8(ascii: " ")) }
    }

    /// Members as a Python `dict` built from them holds them: first position, last value.
    private static func dictionarySemantics(_ members: [Member]) -> [Member] {
        // Ledger entries have a dozen distinct keys: compare pairwise before paying for a
        // dictionary (this runs for every ledger line hashed).
        if members.count <= 32 {
            var hasDuplicate = false
            outer: for first in members.indices {
                for second in members.indices[(first + 1)...] where members[first].key == members[second].key {
                    hasDuplicate = true
                    break outer
                }
            }
            if !hasDuplicate { return members }
        }
        var seen: [String: Int] = [:]
        var result: [Member] = []
        result.reserveCapacity(members.count)
        for member in members {
            if let position = seen[member.key] {
                result[position].value = member.value
            } else {
                seen[member.key] = result.count
                result.append(member)
            }
        }
        return result
    }

    /// Python's rendering of a JSON number after `json.loads`.
    static func pythonNumber(_ text: String) -> String {
        let isInteger = !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") })
        if isInteger {
            // Python ints print as written, except that -0 is 0.
            return text.utf8.dropFirst(text.hasPrefix("-") ? 1 : 0).allSatisfy({ $0 == UInt8(ascii: "0") }) ? "0" : text
        }
        guard let value = Double(text), value.isFinite else { return text }
        return pythonFloatRepr(value)
    }

    /// Python's `repr(float)`: shortest round-trip digits, positional for 1e-4 <= |v| < 1e16,
    /// else `d.ddde±XX` with at least two exponent digits.
    static func pythonFloatRepr(_ value: Double) -> String {
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description also gives shortest round-trip digits; only the layout differs.
        let swift = value.description
        let magnitude = abs(value)
        let (digits, exponent) = decimalDigits(of: swift)
        let sign = value < 0 ? "-" : ""
        if magnitude >= 1e-4 && magnitude < 1e16 {
            // Positional: digits with the point after (exponent + 1) digits.
            let pointPosition = exponent + 1
            var text = sign
            if pointPosition <= 0 {
                text += "0." + String(repeating: "0", count: -pointPosition) + digits
            } else if pointPosition >= digits.count {
                text += digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            } else {
                let split = digits.index(digits.startIndex, offsetBy: pointPosition)
                text += digits[..<split] + "." + digits[split...]
            }
            return text
        }
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let exponentText = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exponentText.count < 2 ? "0" : "") + exponentText
    }

    /// The significant digits (no leading/trailing zeros) and the decimal exponent of the first
    /// digit, from Swift's `description` of a finite non-zero double.
    private static func decimalDigits(of description: String) -> (String, Int) {
        var text = Substring(description)
        if text.hasPrefix("-") { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts[0]
        let fractionPart = parts.count > 1 ? parts[1] : ""
        var all = Array(integerPart + fractionPart)
        var pointAfter = integerPart.count
        while all.first == "0" {
            all.removeFirst()
            pointAfter -= 1
        }
        while all.last == "0" { all.removeLast() }
        return (String(all), exponent + pointAfter - 1)
    }

    /// Appends `text` as a JSON string the way Python's encoder writes it.
    static func appendString(_ text: String, to output: inout [UInt8], asciiOnly: Bool) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Copy runs of bytes that need no escaping in one append; stop at the rest.
            var runStart = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                let isPlain = byte >= 0x20 && byte != 0x22 && byte != 0x5C && (byte < 0x7F || !asciiOnly)
                if isPlain {
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                if byte >= 0x7F {
                    // asciiOnly: escape the whole scalar (0x7F, or a multi-byte sequence).
                    var scalarEnd = index + 1
                    while scalarEnd < utf8.count, utf8[scalarEnd] & 0xC0 == 0x80 { scalarEnd += 1 }
                    var decoder = UTF8()
                    var iterator = UnsafeBufferPointer(rebasing: utf8[index..<scalarEnd]).makeIterator()
                    if case .scalarValue(let scalar) = decoder.decode(&iterator) {
                        appendEscapedScalar(scalar.value, to: &output)
                    }
                    index = scalarEnd
                } else {
                    appendEscapedScalar(UInt32(byte), to: &output)
                    index += 1
                }
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends the escape Python writes for a scalar that is not copied raw.
    private static func appendEscapedScalar(_ value: UInt32, to output: inout [UInt8]) {
        switch value {
        case 0x22: output.append(contentsOf: [0x5C, 0x22])
        case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        case 0..<0x10000: appendUnicodeEscape(UInt16(value), to: &output)
        default:
            let offset = value - 0x10000
            appendUnicodeEscape(UInt16(0xD800 + (offset >> 10)), to: &output)
            appendUnicodeEscape(UInt16(0xDC00 + (offset & 0x3FF)), to: &output)
        }
    }

    /// `\uxxxx` with lowercase hex, as Python writes it.
    private static func appendUnicodeEscape(_ unit: UInt16, to output: inout [UInt8]) {
        @inline(__always) func hex(_ nibble: UInt16) -> UInt8 {
            nibble < 10 ? UInt8(nibble) + UInt8(ascii: "0") : UInt8(nibble - 10) + UInt8(ascii: "a")
        }
        output.append(contentsOf: [0x5C, UInt8(ascii: "u"), hex(unit >> 12 & 0xF), hex(unit >> 8 & 0xF), hex(unit >> 4 & 0xF), hex(unit & 0xF)])
    }
}
