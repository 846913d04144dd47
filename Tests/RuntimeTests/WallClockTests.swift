#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Testing

@Suite struct WallClockTests {
    /// Milliseconds since the epoch: within a second of `time(2)`'s seconds.
    @Test func millisecondsAgreeWithTheSystemTime() {
        let before = Int64(time(nil)) * 1000
        let now = WallClock.milliseconds()
        let after = Int64(time(nil)) * 1000
        #expect(now >= before && now < after + 1000)
    }
}
