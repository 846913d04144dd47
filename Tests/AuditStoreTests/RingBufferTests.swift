import Testing

@testable import AuditStore

/// The writer's queue takes memory as its backlog grows, not for its bound at start, and
/// keeps its order through growth and wrap-around.
struct RingBufferTests {
    @Test func roomFollowsTheBacklogNotTheCapacity() {
        var ring = RingBuffer<Int>(capacity: 65_536)
        #expect(ring.room == 0)
        for value in 0..<10 { ring.append(value) }
        #expect(ring.room == 64)
        var output: [Int] = []
        ring.removeFirst(upTo: 10, into: &output)
        for value in 0..<1000 { ring.append(value) }
        #expect(ring.room == 1024)
    }

    @Test func orderSurvivesGrowthAcrossTheWrap() {
        var ring = RingBuffer<Int>(capacity: 100)
        var output: [Int] = []
        for value in 0..<50 { ring.append(value) }
        ring.removeFirst(upTo: 40, into: &output)
        // Wraps inside the first 64 slots, then grows to 100 with the head mid-ring.
        for value in 50..<140 { ring.append(value) }
        #expect(ring.isFull && ring.room == 100)
        ring.removeFirst(upTo: 1000, into: &output)
        #expect(output == Array(0..<140))
        #expect(ring.isEmpty)
    }
}
