/// A pattern the active mode prohibits in a response, matched without regular expressions
/// so that judging a response costs one pass over its text per pattern.
///
/// A pattern fires when the response contains any of `phrases` (case-insensitive, on word
/// boundaries) or a token starting with one of `tokenPrefixes` that is at least
/// `minimumTokenLength` characters long (API keys: `sk-…`, `ghp_…`), unless it also contains
/// one of `exemptions` (plain case-insensitive substrings, e.g. a cited source).
package struct ProhibitedPattern: Sendable, Equatable, Codable {
    /// A stable name, shown in violations (`secret`, `unhedged-certainty`).
    package var name: String
    package var phrases: [String]
    package var tokenPrefixes: [String]
    package var minimumTokenLength: Int
    package var exemptions: [String]

    package init(
        name: String, phrases: [String] = [], tokenPrefixes: [String] = [],
        minimumTokenLength: Int = 20, exemptions: [String] = []
    ) {
        self.name = name
        self.phrases = phrases.map { $0.lowercased() }
        self.tokenPrefixes = tokenPrefixes.map { $0.lowercased() }
        self.minimumTokenLength = minimumTokenLength
        self.exemptions = exemptions.map { $0.lowercased() }
    }

    /// The first phrase or token of `lowercasedText` that makes this pattern fire, or nil.
    ///
    /// - Parameter lowercasedText: the response text, already lowercased (done once per response).
    /// - Returns: what matched, for the violation's `actual` field.
    package func firstMatch(in lowercasedText: String) -> String? {
        let bytes = Array(lowercasedText.utf8)
        var found: String?
        for phrase in phrases where found == nil {
            if Self.containsWord(Array(phrase.utf8), in: bytes) { found = phrase }
        }
        if found == nil, !tokenPrefixes.isEmpty {
            found = firstPrefixedToken(in: bytes)
        }
        guard let found else { return nil }
        for exemption in exemptions where Self.indexOf(Array(exemption.utf8), in: bytes, from: 0) != nil {
            return nil
        }
        return found
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
    }

    private static func indexOf(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// True when `needle` occurs with no word character glued to either end (an end of the
    /// phrase that is itself punctuation needs no boundary).
    private static func containsWord(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        var from = 0
        while let i = indexOf(needle, in: haystack, from: from) {
            let end = i + needle.count
            let leftOK = i == 0 || !isWordByte(needle[0]) || !isWordByte(haystack[i - 1])
            let rightOK = end == haystack.count || !isWordByte(needle[needle.count - 1]) || !isWordByte(haystack[end])
            if leftOK && rightOK { return true }
            from = i + 1
        }
        return false
    }

    private func firstPrefixedToken(in bytes: [UInt8]) -> String? {
        func isTokenByte(_ b: UInt8) -> Bool { Self.isWordByte(b) || b == 0x2D }
        for prefix in tokenPrefixes {
            let needle = Array(prefix.utf8)
            var from = 0
            while let i = Self.indexOf(needle, in: bytes, from: from) {
                from = i + 1
                if i > 0 && isTokenByte(bytes[i - 1]) { continue }
                var end = i + needle.count
                while end < bytes.count && isTokenByte(bytes[end]) { end += 1 }
                if end - i >= minimumTokenLength { return prefix + "…" }
            }
        }
        return nil
    }
}
