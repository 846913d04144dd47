#if canImport(Glibc)
import Glibc
#endif
import Testing
import Logging
import Crypto
@testable import Gateway
import WireFormats

/// How the client logs a gateway it cannot reach: one warning per attempt, with the reason.
@Suite struct GatewayConnectionLogTests {
    /// A loopback port bound but never listening: connects to it are refused while it lives.
    static func refusingSocket() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        try #require(bound, "bind failed: errno \(errno)")
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func refusedConnectIsOneWarningPerAttemptNamingTheReason() async throws {
        let (descriptor, port) = try Self.refusingSocket()
        defer { close(descriptor) }
        let logs = InMemoryLogHandler()
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
