#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for what the daemon records itself (`recorded_at`, outbox due times,
/// counter snapshots, the gateway handshake's `ts`). Event times never come from here, and
/// durations and deadlines use the standard library's `ContinuousClock`, which a wall-clock
/// jump does not move.
package enum WallClock {
    /// Milliseconds since the epoch (CLOCK_REALTIME).
    package static func milliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
