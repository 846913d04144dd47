/// Jittered exponential reconnect delays: `initial`, doubling to `maximum`, each ±20 %.
///
/// A value type owned by the client's service thread.
package struct Backoff: Sendable, Equatable {
    package var initialMs: Int
    package var maximumMs: Int
    /// The delay between retries while a device waits for pairing approval.
    package var pairingMs: Int
    /// Consecutive failures since the last ready connection.
    package private(set) var attempt = 0

    /// The gateway's documented client constants: 1 s → 30 s.
    package static let standard = Backoff(initialMs: 1000, maximumMs: 30_000, pairingMs: 30_000)

    package init(initialMs: Int, maximumMs: Int, pairingMs: Int) {
        self.initialMs = initialMs
        self.maximumMs = maximumMs
        self.pairingMs = pairingMs
    }

    /// The next delay, with jitter; advances the attempt count.
    package mutating func nextDelayMs() -> Int {
        let exponent = min(attempt, 30)
        attempt += 1
        let base = min(maximumMs, initialMs << exponent)
        return Self.jittered(base)
    }

    /// Back to `initial` after a ready connection.
    package mutating func reset() { attempt = 0 }

    static func jittered(_ milliseconds: Int) -> Int {
        guard milliseconds > 0 else { return 0 }
        let spread = milliseconds / 5
        return milliseconds + Int.random(in: -spread...spread)
    }
}
