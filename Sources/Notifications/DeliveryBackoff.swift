/// The delay before the next attempt of a failed delivery: exponential from `initialMs`,
/// capped at `maximumMs`, minus up to `jitter` of it at random (so a fleet of retries
/// spreads out instead of hitting a recovering webhook together).
package struct DeliveryBackoff: Sendable, Equatable {
    /// Delay after the first failed attempt (before jitter).
    package var initialMs: Int64 = 1_000
    /// The cap (before jitter).
    package var maximumMs: Int64 = 300_000
    /// Each step multiplies the delay by this.
    package var multiplier: Int64 = 2
    /// The fraction of the delay (0…1) that jitter may take away.
    package var jitter: Double = 0.2

    package init(initialMs: Int64 = 1_000, maximumMs: Int64 = 300_000, multiplier: Int64 = 2, jitter: Double = 0.2) {
        precondition(initialMs > 0 && maximumMs >= initialMs && multiplier >= 1 && (0...1).contains(jitter))
        self.initialMs = initialMs
        self.maximumMs = maximumMs
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before attempt `attempts + 1`, before jitter.
    ///
    /// - Parameter attempts: attempts made so far (1 after the first failure).
    package func baseDelayMs(afterAttempts attempts: Int) -> Int64 {
        var delay = initialMs
        var step = 1
        while step < attempts && delay < maximumMs {
            let (next, overflow) = delay.multipliedReportingOverflow(by: multiplier)
            delay = overflow ? maximumMs : next
            step += 1
        }
        return min(delay, maximumMs)
    }

    /// The delay with jitter applied.
    ///
    /// - Parameters:
    ///   - attempts: attempts made so far.
    ///   - random: a number in 0..<1 (the caller's generator, so tests can fix it).
    package func delayMs(afterAttempts attempts: Int, random: Double) -> Int64 {
        let base = baseDelayMs(afterAttempts: attempts)
        let cut = Double(base) * jitter * min(max(random, 0), 1)
        return max(1, base - Int64(cut))
    }
}
