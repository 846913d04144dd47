/// A set that forgets its oldest members past a capacity: the run and message ids already
/// delivered, kept to drop replays without growing forever.
///
/// Thread-bound value; O(1) per operation.
struct BoundedSet {
    private var members: Set<String> = []
    private var order: [String?]
    private var next = 0

    init(capacity: Int) {
        order = Array(repeating: nil, count: capacity)
        members.reserveCapacity(capacity)
    }

    func contains(_ member: String) -> Bool { members.contains(member) }

    mutating func insert(_ member: String) {
        guard members.insert(member).inserted else { return }
        if let evicted = order[next] { members.remove(evicted) }
        order[next] = member
        next = (next + 1) % order.count
    }
}

/// A dictionary that forgets its oldest keys past a capacity: the highest `seq` per run.
///
/// Thread-bound value; O(1) per operation.
struct BoundedMap<Value> {
    private var values: [String: Value] = [:]
    private var order: [String?]
    private var next = 0

    init(capacity: Int) {
        order = Array(repeating: nil, count: capacity)
        values.reserveCapacity(capacity)
    }

    subscript(key: String) -> Value? {
        get { values[key] }
        set {
            if values.updateValue(newValue!, forKey: key) == nil {
                if let evicted = order[next] { values.removeValue(forKey: evicted) }
                order[next] = key
                next = (next + 1) % order.count
            }
        }
    }
}
