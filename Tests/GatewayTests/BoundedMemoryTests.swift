import Testing

@testable import Gateway

/// The client's replay memory holds what arrived, up to its capacity, then forgets the oldest.
struct BoundedMemoryTests {
    @Test func theSetFillsAsMembersArriveThenForgetsTheOldest() {
        var set = BoundedSet<UInt64>(capacity: 4)
        #expect(set.count == 0)
        for member in 1...3 as ClosedRange<UInt64> { set.insert(member) }
        set.insert(2)
        #expect(set.count == 3)
        for member in 4...6 as ClosedRange<UInt64> { set.insert(member) }
        #expect(set.count == 4)
        #expect(!set.contains(1) && !set.contains(2))
        #expect(set.contains(3) && set.contains(6))
    }

    @Test func theMapForgetsItsOldestKeys() {
        var map = BoundedMap<UInt64, Int>(capacity: 2)
        map.set(1, for: 10)
        map.set(2, for: 20)
        map.set(3, for: 10)  // an update, not a new key
        map.set(4, for: 30)
        #expect(map.value(for: 10) == nil)
        #expect(map.value(for: 20) == 2 && map.value(for: 30) == 4)
    }
}
