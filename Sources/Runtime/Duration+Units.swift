extension Duration {
    /// The duration in whole milliseconds, rounded toward zero; saturates at `Int64`'s bounds
    /// (a `Duration` spans far more than an `Int64` of milliseconds).
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, carried) = milliseconds.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        if carried { return seconds < 0 ? .min : .max }
        return total
    }

    /// The duration in whole microseconds, rounded toward zero; saturates like
    /// `wholeMilliseconds`.
    package var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        let (microseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, carried) = microseconds.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        if carried { return seconds < 0 ? .min : .max }
        return total
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for rates and reports, not for deadlines).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
