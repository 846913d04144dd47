/// YAML 1.1 implicit typing of plain scalars (https://yaml.org/type/), the schema the
/// configuration has always been read with: `yes`/`on` are booleans, `0x1F` and `0o17` are
/// integers, `1:30` is a base-60 number (which the loader then refuses).
extension YAMLTag {
    /// The tag a plain, untagged scalar with this text resolves to; a string when no rule matches.
    static func resolving(plain text: String) -> YAMLTag {
        let text = Substring(text)
        if text.wholeMatch(of: boolPattern) != nil { return .bool }
        if text.wholeMatch(of: intPattern) != nil { return .int }
        if text.wholeMatch(of: floatPattern) != nil { return .float }
        if text == "<<" { return .merge }
        if text.isEmpty || text.wholeMatch(of: nullPattern) != nil { return .null }
        if text.wholeMatch(of: timestampPattern) != nil { return .timestamp }
        if text == "=" { return .value }
        return .str
    }

    // Regex values are built per call: `Regex` is not `Sendable`, so it cannot be a static.
    private static var boolPattern: Regex<Substring> {
        #/yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF/#
    }

    private static var intPattern: Regex<Substring> {
        #/[-+]?0b[01_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+/#
    }

    private static var floatPattern: Regex<Substring> {
        #/[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)/#
    }

    private static var nullPattern: Regex<Substring> {
        #/~|null|Null|NULL/#
    }

    private static var timestampPattern: Regex<Substring> {
        #/[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?/#
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
