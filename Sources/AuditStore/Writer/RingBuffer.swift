/// A fixed-capacity FIFO ring. Not thread-safe: guarded by the owner's lock.
struct RingBuffer<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a ring needs room for one element")
        storage = Array(repeating: nil, count: capacity)
    }

    var capacity: Int { storage.count }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == storage.count }

    /// Appends; the caller checks `isFull` first.
    mutating func append(_ element: Element) {
        precondition(!isFull, "append to a full ring")
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
}
