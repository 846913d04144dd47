import Gateway

extension GatewayStatus {
    /// The `STATUS=` line systemd shows for this gateway connection state.
    package var statusLine: String {
        switch self {
        case .connecting(let attempt): return "connecting to the gateway (attempt \(attempt))"
        case .ready(let version, _): return "connected to the gateway (protocol v\(version))"
        case .waiting(let retryInMs, let reason): return "gateway unavailable (\(reason)); retrying in \(retryInMs / 1_000) s"
        case .stopped(let reason): return reason.map { "stopped: \($0)" } ?? "stopped"
        }
    }
}
