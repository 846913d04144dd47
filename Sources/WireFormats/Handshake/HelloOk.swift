import FoundationEssentials

/// The parts of a successful connect (`res.payload.type == "hello-ok"`) a monitor keeps.
package struct HelloOk: Codable, Sendable, Equatable {
    /// `payload.auth`: the live role and scopes of this socket.
    package struct Auth: Codable, Sendable, Equatable {
        package var role: String?
        package var scopes: [String]
        /// Issued after pairing; persist it and send it next time.
        package var deviceToken: String?

        package init(role: String?, scopes: [String], deviceToken: String? = nil) {
            self.role = role
            self.scopes = scopes
            self.deviceToken = deviceToken
        }
    }

    /// `payload.policy`.
    package struct Policy: Codable, Sendable, Equatable {
        /// Largest message the client accepts, in bytes.
        package var maxPayload: Int
        package var maxBufferedBytes: Int?
        /// How often the server ticks; no frame for twice this means a dead link.
        package var tickIntervalMs: Int

        /// Values the gateway sent outside their range, pinned into it (not encoded).
        package var rejectedValues = 0

        /// `tickIntervalMs` accepted: up to a day, so the watchdog's 2 × interval in µs stays
        /// far from overflow.
        package static let tickIntervalRange = 1...86_400_000
        /// `maxPayload` accepted: frame offsets are 32-bit (`FrameSpan`).
        package static let maxPayloadRange = 1...Int(Int32.max)

        private enum CodingKeys: String, CodingKey {
            case maxPayload, maxBufferedBytes, tickIntervalMs
        }

        package init(maxPayload: Int, maxBufferedBytes: Int? = nil, tickIntervalMs: Int) {
            self.maxPayload = maxPayload
            self.maxBufferedBytes = maxBufferedBytes
            self.tickIntervalMs = tickIntervalMs
        }

        /// Decodes the policy, pinning each number into its range and counting each one
        /// that was not: a hostile hello cannot make the client's arithmetic trap.
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            maxBufferedBytes = try container.decodeIfPresent(Int.self, forKey: .maxBufferedBytes)
            maxPayload = try container.decode(Int.self, forKey: .maxPayload)
            tickIntervalMs = try container.decode(Int.self, forKey: .tickIntervalMs)
            if !Self.maxPayloadRange.contains(maxPayload) {
                maxPayload = maxPayload.clamped(to: Self.maxPayloadRange)
                rejectedValues += 1
            }
            if !Self.tickIntervalRange.contains(tickIntervalMs) {
                tickIntervalMs = tickIntervalMs.clamped(to: Self.tickIntervalRange)
                rejectedValues += 1
            }
        }
    }

    /// `payload.server`.
    package struct Server: Codable, Sendable, Equatable {
        package var version: String?
        package var connId: String?

        package init(version: String?, connId: String?) {
            self.version = version
            self.connId = connId
        }
    }

    package var type: String = "hello-ok"
    /// The negotiated protocol version.
    package var `protocol`: Int
    package var server: Server?
    /// Required since late v3; older gateways sent it only with a device token.
    package var auth: Auth?
    package var policy: Policy

    package init(protocol: Int, server: Server? = nil, auth: Auth?, policy: Policy) {
        self.protocol = `protocol`
        self.server = server
        self.auth = auth
        self.policy = policy
    }

    /// True when the socket may observe: `auth.scopes` holds `operator.read` (or a wider
    /// operator scope that implies it).
    package var canObserve: Bool {
        let scopes = auth?.scopes ?? []
        return scopes.contains("operator.read") || scopes.contains("operator.write")
            || scopes.contains("operator.admin")
    }
}

/// The error shape of a failed `res`: `{code, message, details?, retryable?, retryAfterMs?}`.
/// Branch on `code` and `details.code`, never on `message`.
package struct GatewayErrorShape: Codable, Sendable, Equatable, Error {
    /// `error.details`, the fields recovery depends on.
    package struct Details: Codable, Sendable, Equatable {
        package var code: String?
        package var reason: String?
        package var recommendedNextStep: String?
        package var canRetryWithDeviceToken: Bool?
        package var expectedProtocol: Int?
        package var requestId: String?
        package var missingScope: String?
        package var pauseReconnect: Bool?

        package init(code: String? = nil, reason: String? = nil, recommendedNextStep: String? = nil,
                     canRetryWithDeviceToken: Bool? = nil, expectedProtocol: Int? = nil,
                     requestId: String? = nil, missingScope: String? = nil, pauseReconnect: Bool? = nil) {
            self.code = code
            self.reason = reason
            self.recommendedNextStep = recommendedNextStep
            self.canRetryWithDeviceToken = canRetryWithDeviceToken
            self.expectedProtocol = expectedProtocol
            self.requestId = requestId
            self.missingScope = missingScope
            self.pauseReconnect = pauseReconnect
        }
    }

    package var code: String
    package var message: String
    package var details: Details?
    package var retryable: Bool?
    /// How long to wait before reconnecting; nil when absent or outside `retryAfterRange`.
    package var retryAfterMs: Int?
    /// Values the gateway sent outside their range, left out (not encoded).
    package var rejectedValues = 0

    /// `retryAfterMs` accepted: up to a day, so the reconnect timer's µs stay far from overflow.
    package static let retryAfterRange = 0...86_400_000

    private enum CodingKeys: String, CodingKey {
        case code, message, details, retryable, retryAfterMs
    }

    /// Decodes the error, leaving out a `retryAfterMs` outside its range (the usual backoff
    /// applies) and counting it.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        details = try container.decodeIfPresent(Details.self, forKey: .details)
        retryable = try container.decodeIfPresent(Bool.self, forKey: .retryable)
        retryAfterMs = try container.decodeIfPresent(Int.self, forKey: .retryAfterMs)
        if let value = retryAfterMs, !Self.retryAfterRange.contains(value) {
            retryAfterMs = nil
            rejectedValues += 1
        }
    }

    package init(code: String, message: String, details: Details? = nil, retryable: Bool? = nil, retryAfterMs: Int? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.retryable = retryable
        self.retryAfterMs = retryAfterMs
    }

    /// What a client should do about a failed connect, from `details.code` and
    /// `recommendedNextStep`.
    package enum Recovery: Sendable, Equatable {
        /// Reconnect offering exactly this protocol version.
        case retryWithProtocol(Int)
        /// The operator must approve the device: `openclaw devices approve <requestId>`;
        /// retry slowly meanwhile.
        case awaitPairing(requestId: String?)
        /// Retry once with the stored device token.
        case retryWithDeviceToken
        /// Wait this long (or the normal backoff), then retry.
        case retryLater(afterMs: Int?)
        /// Credentials or configuration are wrong: stop reconnecting and tell the operator.
        case stop
    }

    /// The recovery this error calls for.
    package var recovery: Recovery {
        let detail = details?.code
        if detail == "PROTOCOL_MISMATCH" || message == "protocol mismatch", let expected = details?.expectedProtocol {
            return .retryWithProtocol(expected)
        }
        if detail == "PAIRING_REQUIRED" { return .awaitPairing(requestId: details?.requestId) }
        switch details?.recommendedNextStep {
        case "retry_with_device_token": return .retryWithDeviceToken
        case "wait_then_retry": return .retryLater(afterMs: retryAfterMs)
        case "update_auth_configuration", "update_auth_credentials", "review_auth_configuration": return .stop
        default: break
        }
        switch detail {
        case "AUTH_RATE_LIMITED": return .retryLater(afterMs: retryAfterMs)
        case .some(let code) where code.hasPrefix("AUTH_") || code.hasPrefix("DEVICE_AUTH_")
            || code == "PAIRING_REJECTED" || code == "DEVICE_IDENTITY_REQUIRED"
            || code == "OPERATOR_ACCESS_DENIED":
            return .stop
        default:
            return .retryLater(afterMs: retryAfterMs)
        }
    }
}

/// A `res` frame: `{"type":"res","id","ok","payload"?,"error"?}` with a typed payload.
package struct ResponseFrame<Payload: Codable & Sendable>: Codable, Sendable {
    package var type: String = "res"
    package var id: String
    package var ok: Bool
    package var payload: Payload?
    package var error: GatewayErrorShape?

    package init(id: String, ok: Bool, payload: Payload?, error: GatewayErrorShape?) {
        self.id = id
        self.ok = ok
        self.payload = payload
        self.error = error
    }

    /// Decodes a `res` frame.
    ///
    /// - Throws: `HandshakeError.malformedResponse` with the size and a short prefix.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(HandshakeError) -> ResponseFrame {
        guard let frame = try? JSONDecoder().decode(ResponseFrame.self, from: Data(bytes)), frame.type == "res" else {
            throw .malformedResponse(size: bytes.count, prefix: HandshakeError.prefix(of: bytes))
        }
        return frame
    }

    /// The frame as JSON text.
    package func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else {
            preconditionFailure("response payloads are plain Codable values")
        }
        return [UInt8](data)
    }
}

/// The outcome of a connect: hello-ok or the gateway's error.
package enum ConnectOutcome: Sendable, Equatable {
    case accepted(HelloOk)
    case rejected(GatewayErrorShape)

    /// Reads the `res` frame answering `connect`.
    ///
    /// - Throws: `HandshakeError.malformedResponse` when it is neither a hello-ok nor an error.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(HandshakeError) -> ConnectOutcome {
        let frame = try ResponseFrame<HelloOk>.decode(bytes)
        if frame.ok, let hello = frame.payload, hello.type == "hello-ok" { return .accepted(hello) }
        if !frame.ok, let error = frame.error { return .rejected(error) }
        throw .malformedResponse(size: bytes.count, prefix: HandshakeError.prefix(of: bytes))
    }
}

extension Comparable {
    /// The value moved into `range` when outside it.
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
