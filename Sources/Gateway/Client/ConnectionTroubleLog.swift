import Logging

/// The one log line per failed attempt or lost connection: the reason and when the next
/// attempt comes ("cannot reach ws://127.0.0.1:18789/: connection refused; retrying in 4 s").
///
/// A warning, since while it lasts nothing is judged; a protocol version renegotiation is
/// part of connecting, so it stays at info.
enum ConnectionTroubleLog {
    /// The level of the line for `reason`.
    static func level(for reason: GatewayError) -> Logger.Level {
        if case .protocolMismatch = reason { return .info }
        return .warning
    }

    /// The line for `reason` with the next attempt `retryInMs` away.
    static func message(for reason: GatewayError, retryInMs: Int) -> String {
        "\(reason); retrying in \(duration(milliseconds: retryInMs))"
    }

    /// `milliseconds` as an operator reads it: "250 ms", "4 s", "1.5 s".
    static func duration(milliseconds: Int) -> String {
        guard milliseconds >= 1_000 else { return "\(max(0, milliseconds)) ms" }
        let tenths = (milliseconds + 50) / 100
        return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(tenths / 10).\(tenths % 10) s"
    }
}

extension ClientSession {
    /// Logs why the connection is down and when it is tried again (once per attempt).
    func logConnectionTrouble(_ reason: GatewayError, retryInMs: Int) {
        logger.log(
            level: ConnectionTroubleLog.level(for: reason),
            "\(ConnectionTroubleLog.message(for: reason, retryInMs: retryInMs))",
            metadata: [GatewayLogKey.delay: "\(retryInMs)"]
        )
    }
}

extension ClientSession {
    /// Starts reading lws's reason for a failed dial (see `LWSDialErrors`).
    func beginDialing() {
        guard !isDialing else { return }
        isDialing = true
        LWSDialErrors.beginDialing()
    }

    /// Stops reading it: connected, failed, or stopping.
    func endDialing() {
        guard isDialing else { return }
        isDialing = false
        LWSDialErrors.endDialing()
    }
}
