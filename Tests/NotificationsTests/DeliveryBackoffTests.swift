import Testing
@testable import Notifications

@Suite struct DeliveryBackoffTests {
    /// 1 s doubling to the 5 min cap, without jitter.
    @Test func scheduleDoublesFromOneSecondToFiveMinutes() {
        let backoff = DeliveryBackoff()
        let delays = (1...12).map { backoff.baseDelayMs(afterAttempts: $0) }
        #expect(delays == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000])
        #expect(backoff.baseDelayMs(afterAttempts: 10_000) == 300_000)
    }

    /// Jitter only shortens a delay, by at most its fraction.
    @Test func jitterStaysWithinItsFraction() {
        let backoff = DeliveryBackoff(initialMs: 1_000, maximumMs: 300_000, jitter: 0.2)
        #expect(backoff.delayMs(afterAttempts: 3, random: 0) == 4_000)
        #expect(backoff.delayMs(afterAttempts: 3, random: 0.5) == 3_600)
        #expect(backoff.delayMs(afterAttempts: 3, random: 0.999_999) == 3_201)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let delay = backoff.delayMs(afterAttempts: 5, random: Double.random(in: 0..<1, using: &generator))
            #expect((12_800...16_000).contains(delay))
        }
    }
}
