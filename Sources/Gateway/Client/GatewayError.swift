import WireFormats

/// Why the gateway connection is not (or no longer) delivering: each case names what
/// failed and on which input. No token, key or payload appears in the text; a bad frame
/// is shown by its size and a short prefix.
package enum GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gateway URL is not `ws://host[:port][/path]` or `wss://…`.
    case invalidURL(String)
    /// `lws_create_context` failed (bad CA file, out of memory, port in use for a server).
    case contextCreationFailed(String)
    /// The TCP/TLS/WebSocket connect failed; lws's reason string.
    case connectFailed(url: String, reason: String)
    /// The socket closed; the peer's close code when it sent one.
    case connectionClosed(code: Int?)
    /// No frame arrived for twice the tick interval; closed with 4000.
    case tickTimeout(silentForMs: Int)
    /// hello-ok came without `operator.read` in `auth.scopes`: a device-less or unpaired
    /// connect. Retried with backoff.
    case missingObserveScope(granted: [String])
    /// The gateway speaks another protocol version; retried offering exactly it.
    case protocolMismatch(expected: Int)
    /// The device must be approved: `openclaw devices approve <requestId>`. Retried slowly.
    case pairingRequired(requestID: String?)
    /// The gateway refused the credentials; reconnecting stopped (its next step is given).
    case authenticationRejected(code: String, nextStep: String?)
    /// The gateway refused the connect for another reason; retried with backoff.
    case handshakeRejected(code: String, detailCode: String?, message: String)
    /// A frame that is not one JSON object; counted and skipped.
    case malformedFrame(size: Int, prefix: String)
    /// A message over `maxPayload`; counted and dropped, the connection stays up.
    case oversizedMessage(size: Int, limit: Int)
    /// The device identity could not be loaded or used.
    case identity(HandshakeError)

    package var description: String {
        switch self {
        case let .invalidURL(url): return "gateway URL '\(RedactedURL(url))' is not ws://host[:port][/path] or wss://…"
        case let .contextCreationFailed(reason): return "libwebsockets context creation failed: \(reason)"
        case let .connectFailed(url, reason): return "cannot reach \(RedactedURL(url)): \(reason)"
        case let .connectionClosed(code): return "gateway connection closed" + (code.map { " (code \($0))" } ?? "")
        case let .tickTimeout(silent): return "no frame from the gateway for \(silent) ms (twice the tick interval); closed with 4000"
        case let .missingObserveScope(granted):
            return "gateway granted scopes \(granted) without operator.read: the device identity is missing or not paired"
        case let .protocolMismatch(expected): return "gateway speaks protocol \(expected); retrying with it"
        case let .pairingRequired(requestID):
            return "device pairing required: run `openclaw devices approve \(requestID ?? "<requestId>")` on the gateway host"
        case let .authenticationRejected(code, nextStep):
            return "gateway rejected the credentials (\(code)); next step: \(nextStep ?? "check the token"); not retrying"
        case let .handshakeRejected(code, detail, message):
            return "gateway rejected connect: \(code)\(detail.map { "/" + $0 } ?? ""): \(message)"
        case let .malformedFrame(size, prefix): return "malformed frame of \(size) bytes starting '\(prefix)'"
        case let .oversizedMessage(size, limit): return "message of \(size) bytes over maxPayload \(limit); dropped"
        case let .identity(error): return error.description
        }
    }
}
