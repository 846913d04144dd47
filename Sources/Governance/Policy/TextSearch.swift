/// Byte-level substring search over UTF-8, for the engine's hot path: `String.contains(_:)`
/// from _StringProcessing compares by Unicode canonical equivalence and cost ~5% of the
/// whole parse + judge path in `bench` when run for every tool call.
package enum TextSearch {
    /// True when `needle`'s UTF-8 bytes occur in `haystack`'s (exact, case-sensitive).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        guard !needle.isEmpty else { return true }
        var haystack = haystack, needle = needle
        return haystack.withUTF8 { text in
            needle.withUTF8 { pattern in firstIndex(of: pattern, in: text, from: 0) != nil }
        }
    }

    /// The first position at or after `start` where `needle` occurs in `haystack`; nil when
    /// there is none or `needle` is empty.
    package static func firstIndex(
        of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from start: Int
    ) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return index }
            }
            index += 1
        }
        return nil
    }

    /// `firstIndex(of:in:from:)` with the needle given as a string.
    static func firstIndex(of needle: String, in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var needle = needle
        return needle.withUTF8 { firstIndex(of: $0, in: haystack, from: start) }
    }
}
