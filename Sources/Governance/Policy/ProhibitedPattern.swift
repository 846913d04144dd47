/// A pattern the active mode prohibits in a response, matched without regular expressions
/// so that judging a response costs one pass over its text per pattern.
///
/// A pattern fires when the response contains any of `phrases` (case-insensitive, on word
/// boundaries) or a token starting with one of `tokenPrefixes` that is at least
/// `minimumTokenLength` characters long (API keys: `sk-…`, `ghp_…`), unless it also contains
/// one of `exemptions` (plain case-insensitive substrings, e.g. a cited source).
package struct ProhibitedPattern: Sendable, Equatable {
    /// A stable name, shown in violations (`secret`, `unhedged-certainty`).
    package let name: String
    package let phrases: [String]
    package let tokenPrefixes: [String]
    package let minimumTokenLength: Int
    package let exemptions: [String]
    /// The phrases' UTF-8, compiled once: `firstMatch` runs for every response.
    private let phraseSet: PhraseSet

    package init(
        name: String, phrases: [String] = [], tokenPrefixes: [String] = [],
        minimumTokenLength: Int = 20, exemptions: [String] = []
    ) {
        self.name = name
        self.phrases = phrases.map { $0.lowercased() }
        self.tokenPrefixes = tokenPrefixes.map { $0.lowercased() }
        self.minimumTokenLength = minimumTokenLength
        self.exemptions = exemptions.map { $0.lowercased() }
        self.phraseSet = PhraseSet(self.phrases)
    }

    /// The first phrase (in `phrases` order) or token of `text` that makes this pattern
    /// fire, or nil.
    ///
    /// - Parameter text: the response's UTF-8, already lowercased (done once per response,
    ///   see `lowercasedUTF8(of:)`).
    /// - Returns: what matched, for the violation's `actual` field.
    package func firstMatch(in text: UnsafeBufferPointer<UInt8>) -> String? {
        var found = phraseSet.firstWordMatch(in: text).map { phrases[$0] }
        if found == nil, !tokenPrefixes.isEmpty {
            found = firstPrefixedToken(in: text)
        }
        guard let found else { return nil }
        for exemption in exemptions where TextSearch.firstIndex(of: exemption, in: text, from: 0) != nil {
            return nil
        }
        return found
    }

    /// `text` lowercased as `String.lowercased()` does, as UTF-8: byte by byte when the text
    /// is ASCII (responses mostly are), through the Unicode tables otherwise.
    package static func lowercasedUTF8(of text: String) -> [UInt8] {
        var text = text
        let ascii: [UInt8]? = text.withUTF8 { utf8 in
            var isASCII = true
            let lowered = [UInt8](unsafeUninitializedCapacity: utf8.count) { buffer, count in
                for (index, byte) in utf8.enumerated() {
                    if byte >= 0x80 { isASCII = false; break }
                    buffer[index] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                }
                count = isASCII ? utf8.count : 0
            }
            return isASCII ? lowered : nil
        }
        return ascii ?? Array(text.lowercased().utf8)
    }

    fileprivate static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
    }

    private func firstPrefixedToken(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        func isTokenByte(_ b: UInt8) -> Bool { Self.isWordByte(b) || b == 0x2D }
        for prefix in tokenPrefixes {
            var from = 0
            while let i = TextSearch.firstIndex(of: prefix, in: bytes, from: from) {
                from = i + 1
                if i > 0 && isTokenByte(bytes[i - 1]) { continue }
                var end = i + prefix.utf8.count
                while end < bytes.count && isTokenByte(bytes[end]) { end += 1 }
                if end - i >= minimumTokenLength { return prefix + "…" }
            }
        }
        return nil
    }
}

/// A pattern's phrases as bytes, indexed by first byte, so that one pass over a text finds
/// every phrase occurrence (instead of one pass per phrase).
private struct PhraseSet: Sendable, Equatable {
    /// Each phrase's UTF-8, in `phrases` order; empty phrases never match.
    let phrases: [[UInt8]]
    /// The indices of the phrases starting with each byte value.
    let byFirstByte: [[Int]]
    /// Bit `b` set when some phrase starts with byte `b`: most text bytes start none, and
    /// this test touches no array.
    let firstBytes: (UInt64, UInt64, UInt64, UInt64)

    init(_ phrases: [String]) {
        self.phrases = phrases.map { Array($0.utf8) }
        var byFirstByte = Array(repeating: [Int](), count: 256)
        var firstBytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for (index, phrase) in self.phrases.enumerated() {
            guard let first = phrase.first else { continue }
            byFirstByte[Int(first)].append(index)
            let bit: UInt64 = 1 << (first & 63)
            switch first >> 6 {
            case 0: firstBytes.0 |= bit
            case 1: firstBytes.1 |= bit
            case 2: firstBytes.2 |= bit
            default: firstBytes.3 |= bit
            }
        }
        self.byFirstByte = byFirstByte
        self.firstBytes = firstBytes
    }

    static func == (left: PhraseSet, right: PhraseSet) -> Bool { left.phrases == right.phrases }

    @inline(__always)
    private func startsSomePhrase(_ byte: UInt8) -> Bool {
        let word: UInt64
        switch byte >> 6 {
        case 0: word = firstBytes.0
        case 1: word = firstBytes.1
        case 2: word = firstBytes.2
        default: word = firstBytes.3
        }
        return word >> (byte & 63) & 1 == 1
    }

    /// The lowest index of a phrase that occurs in `text` with no word character glued to
    /// either end (an end of the phrase that is itself punctuation needs no boundary).
    func firstWordMatch(in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !phrases.isEmpty else { return nil }
        var best = Int.max
        var afterWordByte = false
        for position in text.indices {
            let byte = text[position]
            let isWordByte = ProhibitedPattern.isWordByte(byte)
            defer { afterWordByte = isWordByte }
            // Inside a word only a phrase starting with punctuation can begin.
            guard startsSomePhrase(byte), !(afterWordByte && isWordByte) else { continue }
            for index in byFirstByte[Int(byte)] where index < best {
                let phrase = phrases[index]
                let end = position + phrase.count
                guard end <= text.count else { continue }
                if end < text.count && ProhibitedPattern.isWordByte(phrase[phrase.count - 1])
                    && ProhibitedPattern.isWordByte(text[end]) { continue }
                if phrase.elementsEqual(text[position..<end]) {
                    best = index
                    if best == 0 { return 0 }
                }
            }
        }
        return best == Int.max ? nil : best
    }
}
