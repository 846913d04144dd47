/// Why one delivery attempt failed. The text names the channel and the cause, never the
/// payload or a URL's credentials.
package enum NotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The webhook URL is not `http://` or `https://` with a host.
    case invalidWebhookURL(reason: String)
    /// lws could not create the client context (TLS setup).
    case contextCreationFailed
    /// The connection failed before a response (refused, DNS, TLS); lws's reason.
    case connectFailed(host: String, reason: String)
    /// The server answered with a status outside 2xx.
    case httpStatus(Int)
    /// No complete response within the timeout.
    case timedOut(channel: String, afterMs: Int)
    /// The connection closed before a response came.
    case closedWithoutResponse(host: String)
    /// The exec program could not be started (`posix_spawn` errno).
    case spawnFailed(program: String, errno: Int32)
    /// The exec program exited non-zero or was killed by a signal.
    case programFailed(program: String, status: String)
    /// The row's channel is not configured any more.
    case channelNotConfigured(String)
    /// The delivery was interrupted by `stop()`; not counted as an attempt.
    case stopped

    /// False for what another attempt cannot fix: the row's channel is no longer configured
    /// or the webhook URL is invalid. Everything else (the far end down, slow or refusing) is
    /// retried with backoff.
    package var isRetryable: Bool {
        switch self {
        case .channelNotConfigured, .invalidWebhookURL: false
        default: true
        }
    }

    package var description: String {
        switch self {
        case .invalidWebhookURL(let reason): "invalid webhook URL: \(reason)"
        case .contextCreationFailed: "webhook: cannot create the lws client context"
        case .connectFailed(let host, let reason): "webhook: connecting to \(host) failed: \(reason)"
        case .httpStatus(let status): "webhook: HTTP status \(status)"
        case .timedOut(let channel, let ms): "\(channel): no result within \(ms) ms"
        case .closedWithoutResponse(let host): "webhook: \(host) closed the connection without a response"
        case .spawnFailed(let program, let code): "exec: cannot start \(program): errno \(code)"
        case .programFailed(let program, let status): "exec: \(program) \(status)"
        case .channelNotConfigured(let channel): "channel \(channel) is not configured"
        case .stopped: "delivery interrupted by shutdown"
        }
    }
}
