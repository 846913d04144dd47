import Testing
import TestSupport
import Crypto
#if canImport(Glibc)
import Glibc
#endif
@testable import WireFormats

@Suite struct DeviceIdentityTests {
    @Test func createdOnFirstRunWithMode0600AndReloaded() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("state/identity.json")
        let first = try DeviceIdentity.loadOrCreate(at: path)
        #expect(first.isNew)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let second = try DeviceIdentity.loadOrCreate(at: path)
        #expect(!second.isNew)
        #expect(second.identity.id == first.identity.id)
        #expect(second.identity.publicKeyRaw == first.identity.publicKeyRaw)
    }

    @Test func idIsLowercaseHexSHA256OfRawPublicKey() {
        let identity = DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey())
        #expect(identity.publicKeyRaw.count == 32)
        let expected = SHA256.hash(data: identity.publicKeyRaw).map { byte -> String in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        #expect(identity.id == expected)
        #expect(identity.id.count == 64)
        #expect(!identity.publicKeyBase64URL.contains("="))
        #expect(Base64URL.decode(identity.publicKeyBase64URL) == identity.publicKeyRaw)
    }

    @Test func corruptFileIsATypedError() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("identity.json")
        try DeviceIdentity.writeSecretFile(Array("not json".utf8), at: path, exclusive: true)
        #expect(throws: HandshakeError.self) { try DeviceIdentity.loadOrCreate(at: path) }
    }

    @Test func base64URLRoundTripsWithoutPadding() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
    }
}
