/// FNV-1a, 64-bit: a hash that is the same in every process. Swift's `Hasher` is seeded
/// per process, which would make anything that depends on it non-deterministic.
enum StableHash {
    /// The FNV-1a hash of a string's UTF-8 bytes.
    static func of(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
