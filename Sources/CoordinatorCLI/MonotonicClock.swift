#if canImport(Glibc)
import Glibc
#endif

/// Wall time for measurements only (benchmarks, latencies); the engine never reads a clock.
enum MonotonicClock {
    /// Nanoseconds from an arbitrary fixed point.
    static var nanoseconds: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Seconds taken by `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = nanoseconds
        try body()
        return Double(nanoseconds - start) / 1e9
    }
}
