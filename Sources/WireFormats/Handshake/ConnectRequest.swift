import FoundationEssentials

/// The first request of every OpenClaw connection: `{"type":"req","id",..."method":"connect",
/// "params":{...}}`.
///
/// Only documented fields are encoded: the gateway's schema is
/// `additionalProperties:false`, so an unknown key fails the whole connect. `Codable` both
/// ways: the client encodes it, the simulator decodes and validates it.
package struct ConnectRequest: Codable, Sendable, Equatable {
    /// `client.id`: a closed enum on the gateway; any other value fails validation.
    package enum ClientID: String, Codable, Sendable, CaseIterable {
        case webchatUI = "webchat-ui", controlUI = "openclaw-control-ui", tui = "openclaw-tui"
        case webchat, cli, gatewayClient = "gateway-client", linux = "openclaw-linux"
        case nodeHost = "node-host", worker = "openclaw-worker", test, probe = "openclaw-probe"
    }

    /// `client.mode`: a closed enum on the gateway.
    package enum ClientMode: String, Codable, Sendable, CaseIterable {
        case webchat, cli, ui, backend, node, worker, probe, test
    }

    /// `params.client`.
    package struct Client: Codable, Sendable, Equatable {
        package var id: ClientID
        package var displayName: String?
        package var version: String
        package var platform: String
        package var mode: ClientMode
    }

    /// `params.auth`. Never printed: `description` of the request leaves it out.
    package struct Auth: Codable, Sendable, Equatable {
        package var token: String?
        package var deviceToken: String?
    }

    /// `params.device`: the signed proof of the device key.
    package struct Device: Codable, Sendable, Equatable {
        package var id: String
        package var publicKey: String
        package var signature: String
        package var signedAt: Int64
        package var nonce: String
    }

    /// `params`.
    package struct Params: Codable, Sendable, Equatable {
        package var minProtocol: Int
        package var maxProtocol: Int
        package var client: Client
        package var role: String
        package var scopes: [String]
        package var caps: [String]
        package var auth: Auth?
        package var device: Device?
        package var userAgent: String?
    }

    package var type: String = "req"
    package var id: String
    package var method: String = "connect"
    package var params: Params

    /// The protocol range a current client offers: v3 gateways and v4 gateways both fit.
    package static let supportedProtocols = 3...4
    /// The one scope an observer needs.
    package static let observerScopes = ["operator.read"]
    /// `tool-events` lets the connection receive structured tool events.
    package static let observerCaps = ["tool-events"]

    /// Builds a signed operator connect request.
    ///
    /// - Parameters:
    ///   - id: the request id (non-empty).
    ///   - protocols: the accepted protocol range; after a mismatch, exactly the version
    ///     the gateway named.
    ///   - clientID, clientMode: from the closed enums (`cli`/`cli` by default).
    ///   - version: the coordinator's version, sent as `client.version`.
    ///   - token: the shared gateway token, if any.
    ///   - deviceToken: a device token issued by an earlier `hello-ok`, if any.
    ///   - identity: the device identity; nil connects device-less (the gateway then
    ///     clears the scopes).
    ///   - challengeNonce, challengeTs: from `connect.challenge`; `signedAt` is the `ts`.
    /// - Throws: `HandshakeError.signingFailed`.
    package static func make(
        id: String,
        protocols: ClosedRange<Int> = supportedProtocols,
        clientID: ClientID = .cli,
        clientMode: ClientMode = .cli,
        version: String,
        token: String?,
        deviceToken: String? = nil,
        identity: DeviceIdentity?,
        challengeNonce: String,
        challengeTs: Int64
    ) throws(HandshakeError) -> ConnectRequest {
        let role = "operator"
        let scopes = observerScopes
        var device: Device?
        if let identity {
            let payload = DeviceAuthPayload(
                deviceID: identity.id, clientID: clientID, clientMode: clientMode, role: role,
                scopes: scopes, signedAtMs: challengeTs, token: token ?? deviceToken ?? "",
                nonce: challengeNonce
            )
            device = Device(
                id: identity.id, publicKey: identity.publicKeyBase64URL,
                signature: try identity.signature(for: payload.v2String),
                signedAt: challengeTs, nonce: challengeNonce
            )
        }
        let auth: Auth? = (token == nil && deviceToken == nil) ? nil : Auth(token: token, deviceToken: deviceToken)
        return ConnectRequest(
            id: id,
            params: Params(
                minProtocol: protocols.lowerBound, maxProtocol: protocols.upperBound,
                client: Client(id: clientID, displayName: "moses-coordinator", version: version,
                               platform: "linux", mode: clientMode),
                role: role, scopes: scopes, caps: observerCaps, auth: auth, device: device,
                userAgent: "moses-coordinator/\(version)"
            )
        )
    }

    /// The v2 payload the device should have signed, rebuilt from the request (what a
    /// gateway verifies).
    package var expectedDevicePayload: DeviceAuthPayload? {
        guard let device = params.device else { return nil }
        return DeviceAuthPayload(
            deviceID: device.id, clientID: params.client.id, clientMode: params.client.mode,
            role: params.role, scopes: params.scopes, signedAtMs: device.signedAt,
            token: params.auth?.token ?? params.auth?.deviceToken ?? "", nonce: device.nonce
        )
    }

    /// The request as one JSON text frame.
    package func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else {
            preconditionFailure("encoding a struct of strings and integers cannot fail")
        }
        return [UInt8](data)
    }
}
