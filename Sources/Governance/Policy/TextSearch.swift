/// Byte-level substring search over UTF-8, for the engine's hot path: `String.contains(_:)`
/// from _StringProcessing compares by Unicode canonical equivalence and cost ~5% of the
/// whole parse + judge path in `bench` when run for every tool call.
enum TextSearch {
    /// True when `needle`'s UTF-8 bytes occur in `haystack`'s (exact, case-sensitive).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        guard !needle.isEmpty else { return true }
        var haystack = haystack, needle = needle
        return haystack.withUTF8 { text in
            needle.withUTF8 { pattern in
                guard text.count >= pattern.count else { return false }
                let first = pattern[0]
                var index = 0
                let last = text.count - pattern.count
                while index <= last {
                    if text[index] == first {
                        var offset = 1
                        while offset < pattern.count && text[index + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count { return true }
                    }
                    index += 1
                }
                return false
            }
        }
    }
}
