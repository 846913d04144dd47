import Testing
import TestSupport
import Crypto
@testable import Gateway
@testable import GatewaySimulator
@testable import WireFormats

/// Handshakes over real loopback sockets, lws at both ends.
@Suite(.serialized) struct GatewayHandshakeTests {
    @Test func handshakeSucceedsAndSubscribes() async throws {
        var configuration = Harness.simulatorConfiguration()
        configuration.issuedDeviceToken = "device-token-1"
        let directory = TemporaryDirectory()
        let history = SimulatorHistory(sessions: ["agent:primary:discord:group:1"])
        let harness = try Harness(simulator: configuration, client: { $0.deviceTokenPath = directory.file("device-token") }, history: history)
        defer { harness.stop() }
        #expect(await waitUntil { harness.client.currentStatus == .ready(protocol: 4, scopes: ["operator.read"]) })
        #expect(await waitUntil { harness.simulator.observations.requests["sessions.messages.subscribe"] == 1 })
        let observed = harness.simulator.observations
        #expect(observed.accepted == 1)
        #expect(observed.lastGrantedScopes == ["operator.read"])
        #expect(observed.requests["sessions.subscribe"] == 1)
        #expect(observed.requests["sessions.list"] == 1)
        // The issued device token is kept, 0600.
        let kept = try DeviceIdentity.readFile(at: directory.file("device-token"))
        #expect(kept.map { String(decoding: $0, as: UTF8.self) } == "device-token-1\n")
        // Events flow to the sink.
        harness.simulator.send(Frames.chatFinal(run: "run-1", seq: 2, session: "agent:primary:discord:group:1", text: "hello"))
        #expect(await waitUntil { harness.sink.count(containing: "run-1") == 1 })
        #expect(harness.sink.messages.first { $0.text.contains("run-1") }?.delivery == .live)
    }

    @Test func wrongTokenStopsReconnecting() async throws {
        let harness = try Harness(client: { $0.token = "wrong" })
        defer { harness.stop() }
        #expect(await waitUntil {
            harness.client.currentStatus == .stopped(reason: .authenticationRejected(code: "AUTH_TOKEN_MISMATCH", nextStep: "update_auth_configuration"))
        })
        let attempts = harness.client.counters.snapshot.connectAttempts
        // Give a misbehaving client time to hammer: it must not.
        try await Task.sleep(for: .milliseconds(600))
        #expect(harness.client.counters.snapshot.connectAttempts == attempts)
        #expect(harness.simulator.observations.rejections == ["AUTH_TOKEN_MISMATCH"])
    }

    @Test func badSignatureIsRejectedAndNotRetried() async throws {
        let forger = DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey())
        let harness = try Harness(client: { configuration in
            configuration.connectRequestHook = { request in
                // Signed by another key than the one sent: the gateway must refuse.
                guard let payload = request.expectedDevicePayload else { return }
                request.params.device?.signature = (try? forger.signature(for: payload.v2String)) ?? ""
            }
        })
        defer { harness.stop() }
        #expect(await waitUntil {
            if case .stopped(.authenticationRejected(code: "DEVICE_AUTH_SIGNATURE_INVALID", _)) = harness.client.currentStatus { return true }
            return false
        })
        #expect(harness.simulator.observations.rejections == ["DEVICE_AUTH_SIGNATURE_INVALID"])
        #expect(harness.simulator.observations.accepted == 0)
    }

    @Test func protocolMismatchRetriesWithTheExpectedVersion() async throws {
        var configuration = Harness.simulatorConfiguration()
        configuration.protocolVersion = 5
        let harness = try Harness(simulator: configuration)
        defer { harness.stop() }
        #expect(await waitUntil { harness.client.currentStatus == .ready(protocol: 5, scopes: ["operator.read"]) })
        #expect(harness.simulator.observations.rejections == ["PROTOCOL_MISMATCH"])
        #expect(harness.simulator.observations.accepted == 1)
    }

    @Test func deviceLessConnectGetsNoScopesAndRetries() async throws {
        let logs = RecordingLogHandler()
        let harness = try Harness(identity: nil, logHandler: logs)
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.accepted >= 2 })
        #expect(harness.simulator.observations.lastGrantedScopes == [])
        #expect(await waitUntil {
            if case .waiting(_, .missingObserveScope(granted: [])) = harness.client.currentStatus { return true }
            if case .connecting = harness.client.currentStatus { return true }
            return false
        })
        #expect(harness.sink.readyCount == 0)
        #expect(logs.all.contains { $0.level == .error && $0.message.contains("operator.read") })
    }

    @Test func pairingRequiredLogsTheApproveCommandAndRetriesSlowly() async throws {
        let logs = RecordingLogHandler()
        var configuration = Harness.simulatorConfiguration()
        configuration.issuedDeviceToken = nil
        let harness = try Harness(simulator: configuration, logHandler: logs)
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.accepted == 1 })
        harness.simulator.play([
            .reject(GatewayErrorShape(code: "NOT_PAIRED", message: "pairing required", details: .init(code: "PAIRING_REQUIRED", reason: "not-paired", requestId: "req-42"))),
            .dropConnections,
        ])
        #expect(await waitUntil { harness.simulator.observations.rejections == ["PAIRING_REQUIRED"] })
        #expect(await waitUntil { logs.all.contains { $0.metadata["gateway.operator_command"] == "openclaw devices approve req-42" } })
        // After the (slow) pairing delay it connects again.
        #expect(await waitUntil { harness.simulator.observations.accepted == 2 })
    }
}
