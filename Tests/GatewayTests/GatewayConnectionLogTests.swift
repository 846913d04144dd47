#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import Logging
import Crypto
@testable import Gateway
import WireFormats

/// How the client logs a gateway it cannot reach: one warning per attempt, with the reason.
@Suite struct GatewayConnectionLogTests {
    @Test func refusedConnectIsOneWarningPerAttemptNamingTheReason() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let logs = RecordingLogHandler()
        var configuration = GatewayClientConfiguration()
        configuration.url = "ws://127.0.0.1:\(port)"
        configuration.backoff = Harness.fastBackoff()
        let client = try GatewayClient(
            configuration: configuration, identity: DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey()),
            sink: RecordingSink(), logger: makeLogger(logs))
        client.start()
        let expected = "cannot reach ws://127.0.0.1:\(port)/: connection refused; retrying in "
        #expect(await waitUntil { logs.all.filter { $0.message.hasPrefix(expected) }.count >= 3 }, "logs: \(logs.all.map(\.message))")
        client.stop()
        let retries = logs.all.filter { $0.message.contains("retrying") }
        #expect(retries.allSatisfy { $0.level == .warning && $0.message.hasPrefix(expected) && $0.message.contains("; retrying in ") }, "retries: \(retries.map(\.message))")
        #expect(retries.count == client.counters.snapshot.reconnects)
    }

    @Test func statusesReadAsWords() {
        #expect("\(GatewayStatus.stopped(reason: nil))" == "stopped")
        #expect("\(GatewayStatus.stopped(reason: .connectionClosed(code: nil)))" == "stopped: gateway connection closed")
        #expect("\(GatewayStatus.connecting(attempt: 2))" == "connecting (attempt 2)")
        #expect("\(GatewayStatus.ready(protocol: 3, scopes: ["operator.read"]))" == "ready (protocol 3, scopes operator.read)")
    }

    @Test func retryDelaysReadAsAnOperatorWouldSayThem() {
        #expect(ConnectionTroubleLog.duration(milliseconds: 250) == "250 ms")
        #expect(ConnectionTroubleLog.duration(milliseconds: 4_000) == "4 s")
        #expect(ConnectionTroubleLog.duration(milliseconds: 1_540) == "1.5 s")
        #expect(ConnectionTroubleLog.duration(milliseconds: 29_960) == "30 s")
    }
}
