extension Int64 {
    /// `self + other`, pinned to `Int64.min`/`Int64.max` instead of trapping: deadlines and
    /// windows are derived from event times that came from outside.
    @inline(__always)
    package func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self - other`, pinned to `Int64.min`/`Int64.max` instead of trapping.
    @inline(__always)
    package func saturatingSubtracting(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other > 0 ? .min : .max
    }
}
