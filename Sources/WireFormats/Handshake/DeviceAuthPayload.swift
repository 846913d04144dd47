/// The string a device signs to prove it holds its key, in the v2 form every gateway
/// accepts: `v2|deviceId|clientId|clientMode|role|scopes(comma)|signedAtMs|token|nonce`.
///
/// OpenClaw's own Swift client still signs v2 for gateways that predate v3 metadata; the
/// server tries v3, then v2.
package struct DeviceAuthPayload: Sendable, Equatable {
    package var deviceID: String
    package var clientID: ConnectRequest.ClientID
    package var clientMode: ConnectRequest.ClientMode
    package var role: String
    package var scopes: [String]
    /// Milliseconds; for v4 gateways the challenge's `ts`.
    package var signedAtMs: Int64
    /// The auth token sent in the same request, or empty.
    package var token: String
    /// The challenge nonce.
    package var nonce: String

    package init(
        deviceID: String, clientID: ConnectRequest.ClientID, clientMode: ConnectRequest.ClientMode,
        role: String, scopes: [String], signedAtMs: Int64, token: String, nonce: String
    ) {
        self.deviceID = deviceID
        self.clientID = clientID
        self.clientMode = clientMode
        self.role = role
        self.scopes = scopes
        self.signedAtMs = signedAtMs
        self.token = token
        self.nonce = nonce
    }

    /// The v2 payload string that is signed.
    package var v2String: String {
        [
            "v2", deviceID, clientID.rawValue, clientMode.rawValue, role,
            scopes.joined(separator: ","), String(signedAtMs), token, nonce,
        ].joined(separator: "|")
    }
}
