import WireFormats

/// Where the gateway client hands what it receives. The daemon wires it to the frame
/// normalizer, the engine and the store.
///
/// Called on the client's service thread only, one call at a time: do cheap work inline
/// and hand anything that blocks to another thread through a bounded queue, or pings,
/// timers and the watchdog stall.
package protocol GatewaySink: Sendable {
    /// One complete inbound message (a whole OpenClaw event frame, or a legacy frame) and
    /// its scan: the client scanned it once to route it, so the sink need not scan again.
    ///
    /// - Parameters:
    ///   - frame: the spans `FrameScanner` found in `message` (a well-formed JSON object).
    ///   - message: the frame's bytes, valid only during the call (copy to keep).
    ///   - delivery: live, or replayed from `chat.history` after a gap, a reconnect, a
    ///     `shutdown` or a restart of the daemon. A resync frame is a `session.message` event built from a history
    ///     row; the client has already left out rows whose run or message it delivered
    ///     live, and `delivery.runID`/`messageID` let the daemon dedupe again by run id.
    func receive(_ frame: ScannedFrame, in message: UnsafeRawBufferPointer, delivery: GatewayDelivery)

    /// The connection changed state (connecting, ready, waiting to retry, stopped).
    func statusChanged(_ status: GatewayStatus)
}

extension GatewaySink {
    package func statusChanged(_ status: GatewayStatus) {}
}

/// How a message reached the sink.
package struct GatewayDelivery: Sendable, Equatable {
    /// Live from the socket, or replayed history.
    package enum Origin: Sendable, Equatable {
        case live
        case resync(ResyncReason)
    }

    /// Why history was re-read.
    package enum ResyncReason: String, Sendable, Equatable {
        /// A per-run `seq` jumped forward: frames were missed.
        case gap
        /// The connection was lost and re-established.
        case reconnect
        /// The gateway announced `shutdown`.
        case shutdown
        /// The daemon restarted: what the gateway committed while it was down.
        case restart
    }

    package var origin: Origin
    /// For resync frames: the session whose history this row came from.
    package var sessionKey: String?
    /// For resync frames: the run the row belongs to, when the gateway says.
    package var runID: String?
    /// For resync frames: the transcript message id.
    package var messageID: String?

    package static let live = GatewayDelivery(origin: .live)

    package init(origin: Origin, sessionKey: String? = nil, runID: String? = nil, messageID: String? = nil) {
        self.origin = origin
        self.sessionKey = sessionKey
        self.runID = runID
        self.messageID = messageID
    }
}

/// The client's connection state, reported to the sink on each change.
package enum GatewayStatus: Sendable, Equatable {
    /// Opening the socket (attempt counts from 1 since the last ready connection).
    case connecting(attempt: Int)
    /// Connected and subscribed; frames flow. `protocol` is the negotiated version.
    case ready(protocol: Int, scopes: [String])
    /// Waiting to reconnect after `reason`.
    case waiting(retryInMs: Int, reason: GatewayError)
    /// Not reconnecting: stopped by the owner (nil) or by a fatal rejection.
    case stopped(reason: GatewayError?)
}

extension GatewayStatus: CustomStringConvertible {
    /// The status for logs and `STATUS=`: words, never `Optional(…)` or `reason: nil`.
    package var description: String {
        switch self {
        case let .connecting(attempt): return "connecting (attempt \(attempt))"
        case let .ready(version, scopes): return "ready (protocol \(version), scopes \(scopes.joined(separator: ",")))"
        case let .waiting(retryInMs, reason): return "waiting \(retryInMs) ms to retry after: \(reason)"
        case let .stopped(reason): return reason.map { "stopped: \($0)" } ?? "stopped"
        }
    }
}
