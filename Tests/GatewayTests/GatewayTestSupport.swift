import Testing
import TestSupport
import Logging
import Synchronization
import Crypto
@testable import Gateway
@testable import GatewaySimulator
@testable import WireFormats

/// Collects what the client hands its sink.
final class RecordingSink: GatewaySink {
    struct Received: Sendable {
        var text: String
        var delivery: GatewayDelivery
        /// True when the scan handed over is the scan of the bytes handed over (the sink
        /// normalizes from it without scanning again).
        var isScanOfMessage: Bool
    }

    private let state = Mutex<(messages: [Received], statuses: [GatewayStatus])>(([], []))

    func receive(_ frame: ScannedFrame, in message: UnsafeRawBufferPointer, delivery: GatewayDelivery) {
        let text = String(decoding: message, as: UTF8.self)
        let isScanOfMessage = (try? FrameScanner.scan(message)).map { rescan in
            [\ScannedFrame.type, \.event, \.payload, \.runID, \.seq, \.sessionKey, \.state, \.message, \.content]
                .allSatisfy { rescan[keyPath: $0] == frame[keyPath: $0] }
        } ?? false
        state.withLock { $0.messages.append(Received(text: text, delivery: delivery, isScanOfMessage: isScanOfMessage)) }
    }

    func statusChanged(_ status: GatewayStatus) {
        state.withLock { $0.statuses.append(status) }
    }

    var messages: [Received] { state.withLock { $0.messages } }
    var statuses: [GatewayStatus] { state.withLock { $0.statuses } }

    func count(containing fragment: String) -> Int {
        messages.filter { $0.text.contains(fragment) }.count
    }

    var readyCount: Int {
        statuses.filter { if case .ready = $0 { return true } else { return false } }.count
    }
}

func makeLogger(_ handler: RecordingLogHandler? = nil) -> Logger {
    if let handler { return Logger(label: "test") { _ in handler } }
    return Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
}

/// Polls a condition until it holds or the deadline passes.
func waitUntil(timeoutSeconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// A simulator and a client pointed at it, torn down by `stop()`.
struct Harness {
    let simulator: GatewaySimulator
    let client: GatewayClient
    let sink: RecordingSink
    let identity: DeviceIdentity

    static let token = "sim-token-1"

    static func fastBackoff() -> Backoff { Backoff(initialMs: 50, maximumMs: 200, pairingMs: 300) }

    init(
        simulator simulatorConfiguration: GatewaySimulatorConfiguration = Harness.simulatorConfiguration(),
        client configure: (inout GatewayClientConfiguration) -> Void = { _ in },
        identity: DeviceIdentity? = DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey()),
        history: SimulatorHistory = SimulatorHistory(),
        logHandler: RecordingLogHandler? = nil,
        sink: RecordingSink = RecordingSink()
    ) throws {
        let simulator = GatewaySimulator(configuration: simulatorConfiguration, history: history, logger: makeLogger())
        try self.init(started: simulator, port: simulator.start(), client: configure, identity: identity, logHandler: logHandler, sink: sink)
    }

    /// A client for a simulator already started (and perhaps already playing steps).
    init(
        started simulator: GatewaySimulator, port: Int,
        client configure: (inout GatewayClientConfiguration) -> Void = { _ in },
        identity: DeviceIdentity? = DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey()),
        logHandler: RecordingLogHandler? = nil,
        sink: RecordingSink = RecordingSink()
    ) throws {
        self.simulator = simulator
        var configuration = GatewayClientConfiguration()
        configuration.url = "ws://127.0.0.1:\(port)"
        configuration.token = Self.token
        configuration.backoff = Self.fastBackoff()
        configure(&configuration)
        self.sink = sink
        self.identity = identity ?? DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey())
        client = try GatewayClient(configuration: configuration, identity: identity, sink: sink, logger: makeLogger(logHandler))
        client.start()
    }

    static func simulatorConfiguration(tickIntervalMs: Int = 15_000) -> GatewaySimulatorConfiguration {
        var configuration = GatewaySimulatorConfiguration()
        configuration.token = token
        configuration.tickIntervalMs = tickIntervalMs
        return configuration
    }

    func stop() {
        client.stop()
        simulator.stop()
    }
}

/// Frames of a tiny conversation, built with a run id.
enum Frames {
    static func agent(run: String, seq: Int, session: String, stream: String = "assistant", text: String = "hi") -> String {
        #"{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":\#(seq),"stream":"\#(stream)","ts":1767225601000,"sessionKey":"\#(session)","data":{"text":"\#(text)"}}}"#
    }

    static func chatFinal(run: String, seq: Int, session: String, text: String) -> String {
        #"{"type":"event","event":"chat","payload":{"runId":"\#(run)","sessionKey":"\#(session)","seq":\#(seq),"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"\#(text)"}],"timestamp":1767225605000}}}"#
    }

    static func sessionsChanged(session: String) -> String {
        #"{"type":"event","event":"sessions.changed","payload":{"ts":1767225600000,"sessionKey":"\#(session)","reason":"created"}}"#
    }
}

extension GatewaySimulator {
    func send(_ frames: String...) {
        play(frames.map { ScenarioStep.send(json: $0)! })
    }
}
