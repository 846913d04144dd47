import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Gateway
@testable import WireFormats

/// `wss://` through lws and OpenSSL at both ends, trusting a private CA file.
@Suite(.serialized) struct GatewayTLSTests {
    /// A self-signed certificate for 127.0.0.1 (it is its own CA), made with openssl(1).
    static func makeCertificate(in directory: TemporaryDirectory) -> (certificate: String, key: String)? {
        let certificate = directory.file("gateway.pem"), key = directory.file("gateway.key")
        let command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
            + " -subj /CN=127.0.0.1 -addext subjectAltName=DNS:localhost,DNS:127.0.0.1,IP:127.0.0.1"
            + " -keyout '\(key)' -out '\(certificate)' >/dev/null 2>&1"
        return system(command) == 0 ? (certificate, key) : nil
    }

    @Test func wssHandshakeWithAPrivateCA() async throws {
        let directory = TemporaryDirectory()
        let files = try #require(Self.makeCertificate(in: directory), "openssl could not make a certificate")
        var configuration = Harness.simulatorConfiguration()
        configuration.tlsCertificatePath = files.certificate
        configuration.tlsPrivateKeyPath = files.key
        let harness = try Harness(simulator: configuration, client: { client in
            client.url = client.url.replacingPrefix("ws://", with: "wss://")
            client.caFilePath = files.certificate
        })
        defer { harness.stop() }
        #expect(await waitUntil { harness.client.currentStatus == .ready(protocol: 4, scopes: ["operator.read"]) })
        harness.simulator.send(Frames.chatFinal(run: "run-tls", seq: 2, session: "agent:primary:x", text: "over tls"))
        #expect(await waitUntil { harness.sink.count(containing: "over tls") == 1 })
    }

    @Test func wssWithoutTheCAIsRefusedAndRetried() async throws {
        let directory = TemporaryDirectory()
        let files = try #require(Self.makeCertificate(in: directory), "openssl could not make a certificate")
        var configuration = Harness.simulatorConfiguration()
        configuration.tlsCertificatePath = files.certificate
        configuration.tlsPrivateKeyPath = files.key
        let harness = try Harness(simulator: configuration, client: { client in
            client.url = client.url.replacingPrefix("ws://", with: "wss://")
        })
        defer { harness.stop() }
        #expect(await waitUntil { harness.client.counters.snapshot.connectAttempts >= 2 })
        #expect(harness.simulator.observations.accepted == 0)
        #expect(harness.sink.readyCount == 0)
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
