extension Duration {
    /// The duration in whole milliseconds, rounded toward zero; saturates at `Int64`'s bounds
    /// (a `Duration` spans far more than an `Int64` of milliseconds).
    package var wholeMilliseconds: Int64 { whole(unitsPerSecond: 1_000) }

    /// The duration in whole microseconds, rounded toward zero; saturates like
    /// `wholeMilliseconds`.
    package var wholeMicroseconds: Int64 { whole(unitsPerSecond: 1_000_000) }

    /// The duration in seconds, as a `Double` (for rates and reports, not for deadlines).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole units of `1 / unitsPerSecond` s; `unitsPerSecond` divides 10^18.
    private func whole(unitsPerSecond: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        let saturated: Int64 = seconds < 0 ? .min : .max
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: unitsPerSecond)
        if overflow { return saturated }
        let (total, carried) = scaled.addingReportingOverflow(attoseconds / (1_000_000_000_000_000_000 / unitsPerSecond))
        return carried ? saturated : total
    }
}
