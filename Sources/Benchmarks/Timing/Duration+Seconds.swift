extension Duration {
    /// The duration in seconds, for printing rates (the standard library's clocks measure
    /// in `Duration`).
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
