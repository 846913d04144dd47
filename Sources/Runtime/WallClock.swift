#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock and monotonic time for the store's own bookkeeping (`recorded_at`, batch
/// deadlines). Event times never come from here.
package enum WallClock {
    /// Milliseconds since the epoch (CLOCK_REALTIME).
    package static func milliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Monotonic nanoseconds (CLOCK_MONOTONIC), for deadlines and durations.
    package static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
