/// A bounded FIFO ring. Not thread-safe: guarded by the owner's lock.
///
/// Its room grows (doubling, up to `capacity`) only as the backlog does: the bound is for a
/// store that cannot keep up, and reserving it at start would keep that much memory
/// resident in a daemon whose queue is nearly always short.
struct RingBuffer<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a ring needs room for one element")
        self.capacity = capacity
    }

    /// Slots allocated so far (grows with the deepest backlog, never past `capacity`).
    var room: Int { storage.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// Appends; the caller checks `isFull` first.
    mutating func append(_ element: Element) {
        precondition(!isFull, "append to a full ring")
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    /// Removes up to `limit` elements from the front, in order, into `output`.
    mutating func removeFirst(upTo limit: Int, into output: inout [Element]) {
        let taken = min(limit, count)
        for _ in 0..<taken {
            output.append(storage[head]!)
            storage[head] = nil
            head = (head + 1) % storage.count
        }
        count -= taken
    }

    /// Doubles the room (at least 64, at most `capacity`), the elements in order from index 0.
    private mutating func grow() {
        let room = min(capacity, max(64, storage.count * 2))
        var grown: [Element?] = []
        grown.reserveCapacity(room)
        for offset in 0..<count { grown.append(storage[(head + offset) % storage.count]) }
        grown.append(contentsOf: repeatElement(nil, count: room - count))
        storage = grown
        head = 0
    }
}
