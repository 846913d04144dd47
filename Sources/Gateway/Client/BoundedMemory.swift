import WireFormats

/// A set that forgets its oldest members past a capacity: the runs and messages already
/// delivered, kept to drop replays without growing forever.
///
/// Thread-bound value; O(1) per operation (amortized while it fills). It takes memory as
/// members arrive, not for its capacity at start: an idle daemon keeps none.
struct BoundedSet<Member: Hashable> {
    private var members: Set<Member> = []
    private var order: [Member] = []
    private var next = 0
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    func contains(_ member: Member) -> Bool { members.contains(member) }
    /// Members remembered (at most the capacity).
    var count: Int { order.count }

    mutating func insert(_ member: Member) {
        guard members.insert(member).inserted else { return }
        guard order.count == capacity else { return order.append(member) }
        members.remove(order[next])
        order[next] = member
        next = (next + 1) % capacity
    }
}

/// A dictionary that forgets its oldest keys past a capacity: the `seq` bookkeeping per run.
///
/// Thread-bound value; O(1) per operation (amortized while it fills), memory as keys arrive.
struct BoundedMap<Key: Hashable, Value> {
    private var values: [Key: Value] = [:]
    private var order: [Key] = []
    private var next = 0
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    func value(for key: Key) -> Value? { values[key] }

    mutating func set(_ value: Value, for key: Key) {
        guard values.updateValue(value, forKey: key) == nil else { return }
        guard order.count == capacity else { return order.append(key) }
        values.removeValue(forKey: order[next])
        order[next] = key
        next = (next + 1) % capacity
    }
}

/// A 64-bit FNV-1a hash of an id's bytes: the key under which runs and messages are
/// remembered, so the hot path allocates no `String`. Two different ids colliding (about
/// 1 in 10^10 for 65,536 remembered ids) would drop one frame as a duplicate.
enum IdentityHash {
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func of(_ text: String) -> UInt64 {
        var copy = text
        return copy.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of a string span's text, as `of(_: String)` of its decoded value (no
    /// allocation unless it holds escapes).
    static func of(_ span: FrameSpan, in bytes: FrameBytes) -> UInt64 {
        if span.hasEscapes { return of(bytes.decodedString(span)) }
        return of(UnsafeRawBufferPointer(rebasing: bytes.bytes[(Int(span.start) + 1)..<(Int(span.end) - 1)]))
    }
}

/// What the client remembers of one run: the last `seq` per stream (duplicates) and the
/// highest over both (gaps: agent and chat events share the run's numbering).
struct RunTrack {
    var lastAgentSeq: Int64 = 0
    var lastChatSeq: Int64 = 0
    var highestSeq: Int64 = 0
}
