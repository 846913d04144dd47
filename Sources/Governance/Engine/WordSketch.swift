/// A bounded summary of a text's word set, for "does Secondary repeat Primary?".
///
/// Keeps the `capacity` smallest 32-bit word hashes (a bottom-k sketch). For texts with
/// fewer distinct words than the capacity the similarity is exact Jaccard; for longer ones
/// it is the standard bottom-k estimate. Bounded so that 100,000 open cycles stay small.
struct WordSketch: Sendable, Equatable {
    static let capacity = 48
    /// Sorted ascending, distinct, at most `capacity`.
    private(set) var hashes: [UInt32]
    /// True when the text had more distinct words than the capacity.
    private(set) var isTruncated: Bool

    /// Tokenizes `text` (lowercased ASCII letters, digits and any non-ASCII byte form words)
    /// and keeps the smallest word hashes.
    init(text: String) {
        var text = text
        var all = text.withUTF8 { utf8 in
            var all: [UInt32] = []
            all.reserveCapacity(utf8.count / 4 + 1)
            var hash: UInt32 = 0x811c_9dc5
            var inWord = false
            for var byte in utf8 {
                if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
                let isWordByte = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80
                if isWordByte {
                    hash ^= UInt32(byte)
                    hash &*= 0x0100_0193
                    inWord = true
                } else if inWord {
                    all.append(Self.finalize(hash))
                    hash = 0x811c_9dc5
                    inWord = false
                }
            }
            if inWord { all.append(Self.finalize(hash)) }
            return all
        }
        all.sort()
        var distinct: [UInt32] = []
        distinct.reserveCapacity(min(all.count, Self.capacity))
        for value in all where distinct.last != value {
            if distinct.count == Self.capacity {
                isTruncated = true
                hashes = distinct
                return
            }
            distinct.append(value)
        }
        isTruncated = false
        hashes = distinct
    }

    /// Murmur3's avalanche step: FNV-1a alone leaves the high bits of similar short words
    /// correlated, and the sketch keeps the numerically smallest hashes.
    private static func finalize(_ value: UInt32) -> UInt32 {
        var h = value
        h ^= h >> 16
        h &*= 0x85eb_ca6b
        h ^= h >> 13
        h &*= 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    /// Jaccard similarity (0…1) of the two word sets, exact when neither was truncated.
    func similarity(to other: WordSketch) -> Double {
        if hashes.isEmpty && other.hashes.isEmpty { return 0 }
        // Merge the two sorted lists, taking the smallest `k` of the union.
        let k = (isTruncated || other.isTruncated) ? Self.capacity : Int.max
        var i = 0, j = 0, union = 0, both = 0
        while union < k && (i < hashes.count || j < other.hashes.count) {
            if j == other.hashes.count || (i < hashes.count && hashes[i] < other.hashes[j]) {
                i += 1
            } else if i == hashes.count || other.hashes[j] < hashes[i] {
                j += 1
            } else {
                both += 1
                i += 1
                j += 1
            }
            union += 1
        }
        return Double(both) / Double(union)
    }
}
