import Gateway
import LWSRuntime
import Logging
import Synchronization
import WireFormats

/// How the simulated gateway behaves.
package struct GatewaySimulatorConfiguration: Sendable {
    /// The loopback port; 0 picks a free one (read it back from `port`).
    package var port: Int = 0
    /// The shared token clients must send; nil accepts any (auth mode `none`).
    package var token: String? = nil
    /// The one protocol version this gateway speaks.
    package var protocolVersion: Int = 4
    package var tickIntervalMs: Int = 15_000
    package var maxPayload: Int = 25 * 1024 * 1024
    /// Scopes a device-signed operator may hold; a device-less connect gets none.
    package var grantableScopes: [String] = ["operator.read", "operator.write"]
    /// A device token to issue in hello-ok (and accept afterwards).
    package var issuedDeviceToken: String?
    /// Where `{"ledger": …}` steps append lines.
    package var ledgerPath: String?
    /// Where `{"state": …}` steps write the governance state.
    package var statePath: String?
    /// Speak the seed's toy protocol instead: no challenge, every client is "ready" and
    /// gets every frame (its `{"type":"subscribe"}` is ignored).
    package var isLegacy = false
    /// PEM certificate and key: serve `wss://` instead of `ws://`.
    package var tlsCertificatePath: String?
    package var tlsPrivateKeyPath: String?

    package init() {}
}

/// An embedded OpenClaw gateway on libwebsockets' server role, for tests and `demo`:
/// strict about the handshake (challenge, connect validation with the device signature,
/// token, protocol range), answers the RPCs a monitor uses, ticks, and plays scenarios.
///
/// Owned by a test or the `demo` command. Runs on its own service thread, listening on
/// 127.0.0.1 only; every method may be called from any other thread.
package final class GatewaySimulator: Sendable {
    package let configuration: GatewaySimulatorConfiguration
    package let history: SimulatorHistory
    let logger: Logger
    let thread = ServiceThread()
    let commands = Mutex<[SimulatorCommand]>([])
    let observed = Mutex(Observations())

    /// What tests and `demo` can see of the simulator.
    package struct Observations: Sendable, Equatable {
        /// The bound port, once listening.
        package var port: Int?
        /// Clients past the handshake and still connected.
        package var readyClients = 0
        /// Successful handshakes.
        package var accepted = 0
        /// `details.code` (or `code`) of each rejected connect, in order.
        package var rejections: [String] = []
        /// RPCs answered, by method.
        package var requests: [String: Int] = [:]
        /// Scenario markers reached, in order.
        package var markers: [String] = []
        /// Steps still queued or running.
        package var pendingSteps = 0
        /// Messages written to clients.
        package var messagesSent = 0
        /// Scopes granted to the last accepted client.
        package var lastGrantedScopes: [String] = []
        /// Why the simulator could not start.
        package var startFailure: String?
    }

    enum SimulatorCommand: Sendable {
        case steps([ScenarioStep])
        case stream(SyntheticConversationStream, count: Int, framesPerSecond: Int?)
    }

    /// - Parameters:
    ///   - configuration: port, token, protocol, tick interval, limits, files.
    ///   - history: transcript memory; pass the same one to a restarted simulator.
    ///   - logger: lifecycle and rejected connects at debug level.
    package init(configuration: GatewaySimulatorConfiguration, history: SimulatorHistory = SimulatorHistory(), logger: Logger) {
        self.configuration = configuration
        self.history = history
        self.logger = logger
    }

    /// Starts listening on its own thread and waits until the port is bound.
    ///
    /// - Returns: the bound port.
    /// - Throws: `GatewayError.contextCreationFailed` when it cannot listen.
    @discardableResult
    package func start() throws(GatewayError) -> Int {
        thread.start(name: "moses-simulator") { [self] in
            let session = SimulatorSession(simulator: self)
            session.run()
        }
        // The service thread reports the bound port or a failure within milliseconds.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let (port, failure) = observed.withLock { ($0.port, $0.startFailure) }
            if let port { return port }
            if let failure { throw .contextCreationFailed(failure) }
            usleepMilliseconds(1)
        }
        throw .contextCreationFailed("the simulator did not report a port within 10 s")
    }

    /// Stops listening and drops every client (as a killed gateway would); joins the
    /// service thread. Idempotent.
    package func stop() {
        thread.stop()
    }

    /// The bound port (nil before `start()`).
    package var port: Int? { observed.withLock { $0.port } }

    /// A copy of what the simulator has seen and done.
    package var observations: Observations { observed.withLock { $0 } }

    /// Queues scenario steps; they run in order on the service thread.
    package func play(_ steps: [ScenarioStep]) {
        observed.withLock { $0.pendingSteps += steps.count }
        commands.withLock { $0.append(.steps(steps)) }
        thread.ringDoorbell()
    }

    /// Sends `count` frames of a synthetic conversation stream to every ready observer, as
    /// fast as each socket takes them (load tests).
    ///
    /// - Parameter framesPerSecond: paces the stream (latency runs); nil sends flat out.
    package func blast(_ stream: SyntheticConversationStream, count: Int, framesPerSecond: Int? = nil) {
        commands.withLock { $0.append(.stream(stream, count: count, framesPerSecond: framesPerSecond)) }
        thread.ringDoorbell()
    }

    /// Queues a whole scenario.
    package func play(_ scenario: Scenario) {
        play(scenario.steps)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Sleeps the calling (non-service) thread briefly while polling for start-up.
func usleepMilliseconds(_ milliseconds: Int) {
    usleep(UInt32(milliseconds * 1000))
}
