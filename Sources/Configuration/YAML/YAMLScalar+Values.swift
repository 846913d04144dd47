/// YAML 1.1 implicit typing of plain scalars (https://yaml.org/type/), the schema the
/// configuration has always been read with: `yes`/`on` are booleans, `0x1F` and `0o17` are
/// integers, `1:30` is a base-60 number (which the loader then refuses).
extension YAMLTag {
    /// The tag a plain, untagged scalar with this text resolves to; a string when no rule
    /// matches. Matched by hand, byte by byte: every scalar of every load goes through here,
    /// and building `Regex` values per scalar tripled the loader's time.
    static func resolving(plain text: String) -> YAMLTag {
        let bytes = Array(text.utf8)
        if boolWords.contains(text) { return .bool }
        if PlainText(bytes).isInt { return .int }
        if PlainText(bytes).isFloat { return .float }
        if text == "<<" { return .merge }
        if nullWords.contains(text) { return .null }
        if PlainText(bytes).isTimestamp { return .timestamp }
        if text == "=" { return .value }
        return .str
    }

    private static let boolWords: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ]
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
}

/// A cursor over a plain scalar's bytes for the YAML 1.1 int, float and timestamp forms.
private struct PlainText {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }
    var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    static func isDigitOrSeparator(_ byte: UInt8) -> Bool { isDigit(byte) || byte == UInt8(ascii: "_") }

    mutating func skip(_ byte: Character) -> Bool {
        guard next == byte.asciiValue else { return false }
        index += 1
        return true
    }

    mutating func skipSign() { if !skip("-") { _ = skip("+") } }

    /// Skips bytes while `matches` holds, at most `limit`; returns how many.
    @discardableResult
    mutating func skip(while matches: (UInt8) -> Bool, limit: Int = .max) -> Int {
        var count = 0
        while count < limit, let byte = next, matches(byte) { index += 1; count += 1 }
        return count
    }

    /// `(:[0-5]?[0-9])+`, each group ending where `isBoundary` says (a `:` always does).
    mutating func skipBase60Groups(endingAt isBoundary: (UInt8?) -> Bool) -> Bool {
        var groups = 0
        while skip(":") {
            let start = index
            func boundary(_ byte: UInt8?) -> Bool { byte == UInt8(ascii: ":") || isBoundary(byte) }
            if let first = next, (UInt8(ascii: "0")...UInt8(ascii: "5")).contains(first),
               index + 1 < bytes.count, Self.isDigit(bytes[index + 1]), boundary(index + 2 < bytes.count ? bytes[index + 2] : nil) {
                index += 2
            } else if let first = next, Self.isDigit(first), boundary(index + 1 < bytes.count ? bytes[index + 1] : nil) {
                index += 1
            } else {
                index = start
                return false
            }
            groups += 1
        }
        return groups > 0
    }

    /// `[-+]?(0b[01_]+ | 0o?[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+ | [1-9][0-9_]*(:[0-5]?[0-9])+)`
    var isInt: Bool {
        var text = self
        text.skipSign()
        guard let first = text.next else { return false }
        if first == UInt8(ascii: "0") {
            text.index += 1
            if text.isAtEnd { return true }
            if text.skip("b") { return text.skip(while: { $0 == 0x30 || $0 == 0x31 || $0 == 0x5F }) > 0 && text.isAtEnd }
            if text.skip("x") {
                return text.skip(while: { Self.isDigitOrSeparator($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }) > 0
                    && text.isAtEnd
            }
            _ = text.skip("o")
            return text.skip(while: { (0x30...0x37).contains($0) || $0 == 0x5F }) > 0 && text.isAtEnd
        }
        guard Self.isDigit(first) else { return false }
        text.skip(while: Self.isDigitOrSeparator)
        return text.isAtEnd || (text.skipBase60Groups(endingAt: { $0 == nil }) && text.isAtEnd)
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    var isFloat: Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        var cursor = self
        cursor.skipSign()
        if [".inf", ".Inf", ".INF"].contains(String(decoding: bytes[cursor.index...], as: UTF8.self)) { return true }
        if cursor.index == 0, cursor.skip(".") {
            guard cursor.skip(while: Self.isDigitOrSeparator) > 0 else { return false }
            if cursor.isAtEnd { return true }
            guard cursor.skip("e") || cursor.skip("E"), cursor.skip("-") || cursor.skip("+") else { return false }
            return cursor.skip(while: Self.isDigit) > 0 && cursor.isAtEnd
        }
        guard let first = cursor.next, Self.isDigit(first) else { return false }
        cursor.skip(while: Self.isDigitOrSeparator)
        if cursor.next == UInt8(ascii: ":") {
            guard cursor.skipBase60Groups(endingAt: { $0 == UInt8(ascii: ".") }), cursor.skip(".") else { return false }
            cursor.skip(while: Self.isDigitOrSeparator)
            return cursor.isAtEnd
        }
        if cursor.skip(".") { cursor.skip(while: Self.isDigitOrSeparator) }
        if cursor.isAtEnd { return true }
        guard cursor.skip("e") || cursor.skip("E") else { return false }
        cursor.skipSign()
        return cursor.skip(while: Self.isDigit) > 0 && cursor.isAtEnd
    }

    /// `YYYY-MM-DD`, or `YYYY-M-D` with a time: `([Tt]|[ \t]+)H:MM:SS(.f)?([ \t]*(Z|[-+]H(:MM)?))?`
    var isTimestamp: Bool {
        var text = self
        guard text.skip(while: Self.isDigit, limit: 4) == 4, text.skip("-") else { return false }
        let month = text.skip(while: Self.isDigit, limit: 2)
        guard month > 0, text.skip("-") else { return false }
        let day = text.skip(while: Self.isDigit, limit: 2)
        guard day > 0 else { return false }
        if text.isAtEnd { return month == 2 && day == 2 }
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard text.skip("T") || text.skip("t") || text.skip(while: isBlank) > 0 else { return false }
        guard text.skip(while: Self.isDigit, limit: 2) > 0, text.skip(":"), text.skip(while: Self.isDigit, limit: 2) == 2,
              text.skip(":"), text.skip(while: Self.isDigit, limit: 2) == 2 else { return false }
        if text.skip(".") { text.skip(while: Self.isDigit) }
        if text.isAtEnd { return true }
        text.skip(while: isBlank)
        if text.skip("Z") { return text.isAtEnd }
        guard text.skip("-") || text.skip("+"), text.skip(while: Self.isDigit, limit: 2) > 0 else { return false }
        if text.skip(":") { guard text.skip(while: Self.isDigit, limit: 2) == 2 else { return false } }
        return text.isAtEnd
    }
}

extension YAMLScalar {
    /// The boolean a `true`/`yes`/`on` (or `false`/`no`/`off`) scalar stands for, in any
    /// case; nil for other text or a scalar tagged as a string.
    var boolValue: Bool? {
        if tagName == .str { return nil }
        switch string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The integer a plain scalar writes in decimal, `0x` hex, `0b` binary or `0`/`0o`
    /// octal, with `_` separators; nil if it does not fit in 64 bits, is not plain, or is
    /// base-60 (never multiplied out here: the loader refuses base-60 before asking).
    var int64Value: Int64? {
        guard isPlain else { return nil }
        let text = string.filter { $0 != "_" }
        if text == "0" { return 0 }
        let isNegative = text.hasPrefix("-")
        let digits = text.dropFirst(isNegative || text.hasPrefix("+") ? 1 : 0)
        let sign = isNegative ? "-" : ""
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where digits.hasPrefix(prefix) {
            return Int64(sign + digits.dropFirst(prefix.count), radix: radix)
        }
        if digits.contains(":") { return nil }
        return Int64(text)
    }

    /// The number a plain scalar writes (`1.5`, `1e3`, `.inf`, `-.inf`, `.nan`, with `_`
    /// separators); nil if it is not plain or is base-60.
    var doubleValue: Double? {
        guard isPlain else { return nil }
        switch string.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default:
            let text = string.filter { $0 != "_" }
            if text.contains(":") { return nil }
            return Double(text)
        }
    }
}
