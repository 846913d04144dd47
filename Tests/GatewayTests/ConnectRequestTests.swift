import Testing
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import WireFormats

@Suite struct ConnectRequestTests {
    let identity = DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey())

    @Test func v2PayloadJoinsTheFieldsWithBars() {
        let payload = DeviceAuthPayload(
            deviceID: "abc", clientID: .cli, clientMode: .cli, role: "operator",
            scopes: ["operator.read", "operator.write"], signedAtMs: 1767225600000,
            token: "tok", nonce: "n-1"
        )
        #expect(payload.v2String == "v2|abc|cli|cli|operator|operator.read,operator.write|1767225600000|tok|n-1")
    }

    @Test func signatureVerifiesWithThePublicKey() throws {
        let request = try ConnectRequest.make(
            id: "c-1", version: "0.1.0", token: "secret", identity: identity,
            challengeNonce: "nonce-1", challengeTs: 1767225600000
        )
        let device = try #require(request.params.device)
        #expect(device.signedAt == 1767225600000)
        #expect(device.nonce == "nonce-1")
        #expect(device.id == identity.id)
        let payload = try #require(request.expectedDevicePayload)
        #expect(payload.v2String == "v2|\(identity.id)|cli|cli|operator|operator.read|1767225600000|secret|nonce-1")
        // Verified with swift-crypto directly against the raw public key, not our helper.
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: identity.publicKeyRaw)
        let signature = try #require(Base64URL.decode(device.signature))
        #expect(publicKey.isValidSignature(signature, for: Array(payload.v2String.utf8)))
        #expect(DeviceIdentity.isValidSignature(device.signature, for: payload.v2String, publicKey: device.publicKey))
        // A different nonce does not verify.
        var tampered = payload
        tampered.nonce = "nonce-2"
        #expect(!publicKey.isValidSignature(signature, for: Array(tampered.v2String.utf8)))
    }

    @Test func encodesOnlyDocumentedFields() throws {
        let request = try ConnectRequest.make(
            id: "c-1", version: "0.1.0", token: "secret", identity: identity,
            challengeNonce: "n", challengeTs: 5
        )
        let object = try #require(try JSONSerializationLite.object(request.encoded()))
        #expect(Set(object.keys) == ["type", "id", "method", "params"])
        let params = try #require(object["params"] as? [String: Any])
        #expect(Set(params.keys) == ["minProtocol", "maxProtocol", "client", "role", "scopes", "caps", "auth", "device", "userAgent"])
        #expect(params["minProtocol"] as? Int == 3)
        #expect(params["maxProtocol"] as? Int == 4)
        #expect(params["role"] as? String == "operator")
        #expect(params["scopes"] as? [String] == ["operator.read"])
        #expect((params["caps"] as? [String])?.contains("tool-events") == true)
        let client = try #require(params["client"] as? [String: Any])
        #expect(client["id"] as? String == "cli")
        #expect(client["mode"] as? String == "cli")
        #expect(client["platform"] as? String == "linux")
        let device = try #require(params["device"] as? [String: Any])
        #expect(Set(device.keys) == ["id", "publicKey", "signature", "signedAt", "nonce"])
    }

    @Test func deviceLessRequestHasNoDevice() throws {
        let request = try ConnectRequest.make(
            id: "c-1", version: "0.1.0", token: nil, identity: nil, challengeNonce: "n", challengeTs: 5
        )
        #expect(request.params.device == nil)
        #expect(request.params.auth == nil)
    }

    @Test func helloOkIsParsed() throws {
        let text = #"{"type":"res","id":"c-1","ok":true,"payload":{"type":"hello-ok","protocol":4,"server":{"version":"2026.8.1","connId":"x"},"features":{"methods":[]},"snapshot":{},"auth":{"role":"operator","scopes":["operator.read"],"deviceToken":"dt-1"},"policy":{"maxPayload":26214400,"maxBufferedBytes":52428800,"tickIntervalMs":15000}}}"#
        let outcome = try Array(text.utf8).withUnsafeBytes { try ConnectOutcome.decode($0) }
        guard case let .accepted(hello) = outcome else {
            Issue.record("expected hello-ok, got \(outcome)")
            return
        }
        #expect(hello.protocol == 4)
        #expect(hello.auth?.scopes == ["operator.read"])
        #expect(hello.auth?.deviceToken == "dt-1")
        #expect(hello.policy.tickIntervalMs == 15000)
        #expect(hello.policy.maxPayload == 26214400)
        #expect(hello.canObserve)
    }

    @Test func errorsAreParsedIntoRecoveries() throws {
        func recovery(_ text: String) throws -> GatewayErrorShape.Recovery? {
            let outcome = try Array(text.utf8).withUnsafeBytes { try ConnectOutcome.decode($0) }
            guard case let .rejected(error) = outcome else { return nil }
            return error.recovery
        }
        #expect(try recovery(#"{"type":"res","id":"c","ok":false,"error":{"code":"INVALID_REQUEST","message":"protocol mismatch","details":{"code":"PROTOCOL_MISMATCH","expectedProtocol":5}}}"#) == .retryWithProtocol(5))
        #expect(try recovery(#"{"type":"res","id":"c","ok":false,"error":{"code":"NOT_PAIRED","message":"pairing required","details":{"code":"PAIRING_REQUIRED","requestId":"req-9","reason":"not-paired"}}}"#) == .awaitPairing(requestId: "req-9"))
        #expect(try recovery(#"{"type":"res","id":"c","ok":false,"error":{"code":"INVALID_REQUEST","message":"unauthorized","details":{"code":"AUTH_TOKEN_MISMATCH","recommendedNextStep":"update_auth_configuration"}}}"#) == .stop)
        #expect(try recovery(#"{"type":"res","id":"c","ok":false,"error":{"code":"INVALID_REQUEST","message":"unauthorized","details":{"code":"AUTH_TOKEN_MISMATCH","recommendedNextStep":"retry_with_device_token","canRetryWithDeviceToken":true}}}"#) == .retryWithDeviceToken)
        #expect(try recovery(#"{"type":"res","id":"c","ok":false,"error":{"code":"UNAVAILABLE","message":"starting","retryable":true,"retryAfterMs":250,"details":{"reason":"startup-sidecars"}}}"#) == .retryLater(afterMs: 250))
    }

    @Test func garbageResponseIsATypedError() {
        #expect(throws: HandshakeError.self) {
            try Array("{\"type\":\"res\"".utf8).withUnsafeBytes { try ConnectOutcome.decode($0) }
        }
    }
}

/// A tiny untyped JSON reader for asserting exact key sets (tests only): decodes through
/// Codable into nested dictionaries.
enum JSONSerializationLite {
    static func object(_ bytes: [UInt8]) throws -> [String: Any]? {
        try JSONDecoder().decode(AnyJSON.self, from: Data(bytes)).value as? [String: Any]
    }

    struct AnyJSON: Decodable {
        let value: Any
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { value = NSNullLite() }
            else if let bool = try? container.decode(Bool.self) { value = bool }
            else if let int = try? container.decode(Int.self) { value = int }
            else if let double = try? container.decode(Double.self) { value = double }
            else if let string = try? container.decode(String.self) { value = string }
            else if let array = try? container.decode([AnyJSON].self) {
                let items = array.map(\.value)
                if let strings = items as? [String] { value = strings } else { value = items }
            }
            else { value = try container.decode([String: AnyJSON].self).mapValues(\.value) }
        }
    }

    struct NSNullLite {}
}
