import LWSRuntime
import Logging
import Synchronization
import WireFormats

/// Which wire protocol the client speaks.
package enum GatewayProtocolMode: String, Sendable, CaseIterable {
    /// The OpenClaw Gateway protocol (challenge, signed connect, RPCs, events).
    case openclaw
    /// The seed's toy protocol: `{"type":"subscribe"}` then `session_update` frames. A real
    /// gateway closes such a socket with 1008; kept for fixtures that use it.
    case legacy
}

/// Everything the client needs to know before connecting.
package struct GatewayClientConfiguration: Sendable {
    /// `ws://` or `wss://` URL of the gateway.
    package var url: String = "ws://127.0.0.1:18789"
    package var protocolMode: GatewayProtocolMode = .openclaw
    /// The shared gateway token (from a token file, `OPENCLAW_GATEWAY_TOKEN` or the
    /// config; never argv). Never logged.
    package var token: String?
    /// Where an issued `deviceToken` is kept (0600); read back at start.
    package var deviceTokenPath: String?
    /// A PEM CA bundle for a private-CA `wss://` gateway; the OS store otherwise.
    package var caFilePath: String?
    package var clientID: ConnectRequest.ClientID = .cli
    package var clientMode: ConnectRequest.ClientMode = .cli
    package var version: String = "0.1.0"
    /// Agent ids whose sessions are followed; nil follows every session.
    package var governedAgents: Set<String>?
    package var backoff: Backoff = .standard
    /// The largest message accepted before `hello-ok` names `policy.maxPayload`.
    package var defaultMaxPayload: Int = 25 * 1024 * 1024
    /// How long to wait for the challenge and hello-ok.
    package var handshakeTimeoutMs: Int = 15_000
    /// Rows asked of `chat.history` per resync (the gateway allows 1...1000).
    package var historyLimit: Int = 200
    /// What was judged before the daemon last stopped: after the first handshake, these
    /// conversations' histories are re-read and only what came after is handed on.
    package var restartResync = RestartResync()
    /// Load tests only: once ready, count each message and hand nothing on (the transport
    /// ceiling of `bench`).
    package var isCountOnly = false
    /// Test seam: edits each connect request before it is sent (e.g. to forge a bad
    /// signature and check the gateway's verdict). Internal; nil in production.
    var connectRequestHook: (@Sendable (inout ConnectRequest) -> Void)?

    package init() {}
}

/// The OpenClaw Gateway client on libwebsockets: connects, proves its device identity,
/// subscribes to the governed sessions, reassembles and checks every message, hands it to
/// a sink, keeps the link alive and reconnects forever.
///
/// Owned by the daemon. `start()` runs it on its own service thread; `stop()` (any other
/// thread) ends it and waits. The sink is called on the service thread.
package final class GatewayClient: Sendable {
    package let configuration: GatewayClientConfiguration
    package let counters = GatewayCounters()
    let identity: DeviceIdentity?
    let sink: any GatewaySink
    let logger: Logger
    let endpoint: GatewayEndpoint
    let thread = ServiceThread()
    let status = Mutex<GatewayStatus>(.stopped(reason: nil))
    let commands = Mutex<[ClientCommand]>([])
    /// What the owner wants: reading from the socket paused (see `setReadingPaused`).
    let isReadingPauseRequested = Atomic<Bool>(false)

    /// Commands other threads queue for the service thread (bounded).
    enum ClientCommand: Sendable {
        case resync(sessionKey: String, reason: GatewayDelivery.ResyncReason)
    }

    private static let commandCapacity = 1024

    /// - Parameters:
    ///   - configuration: URL, credentials, limits, backoff.
    ///   - identity: the device identity; nil connects device-less (no scopes on a real
    ///     gateway).
    ///   - sink: receives every message, on the service thread.
    ///   - logger: the client adds `gateway.url` to its metadata.
    /// - Throws: `GatewayError.invalidURL`.
    package init(configuration: GatewayClientConfiguration, identity: DeviceIdentity?, sink: any GatewaySink, logger: Logger) throws(GatewayError) {
        self.configuration = configuration
        self.identity = identity
        self.sink = sink
        self.endpoint = try GatewayEndpoint(parsing: configuration.url)
        var logger = logger
        logger[metadataKey: GatewayLogKey.url] = "\(endpoint)"
        if endpoint.hadUserInfo {
            logger.warning("the gateway URL's user:password@ is not sent; the gateway takes the token and device identity")
        }
        self.logger = logger
    }

    /// Starts the service thread; returns at once. Connection progress goes to the sink's
    /// `statusChanged`.
    package func start() {
        thread.start(name: "moses-gateway") { [self] in
            let session = ClientSession(client: self)
            session.run()
        }
    }

    /// Stops reading, closes the socket, destroys the lws context and joins the service
    /// thread. Any thread except the service thread; idempotent.
    package func stop() {
        thread.stop()
    }

    /// The current connection state.
    package var currentStatus: GatewayStatus { status.withLock { $0 } }

    /// Asks for a `chat.history` resync of one session (e.g. the daemon noticed something
    /// missing). Any thread.
    ///
    /// - Returns: false when the command queue is full (the request is dropped).
    @discardableResult
    package func requestResync(of sessionKey: String, reason: GatewayDelivery.ResyncReason) -> Bool {
        let accepted = commands.withLock { queue in
            guard queue.count < Self.commandCapacity else { return false }
            queue.append(.resync(sessionKey: sessionKey, reason: reason))
            return true
        }
        if accepted { thread.ringDoorbell() }
        return accepted
    }

    /// Pauses (true) or resumes (false) reading from the gateway's socket: WebSocket flow
    /// control (`lws_rx_flow_control`), applied on the service thread at its next wake-up
    /// and kept across reconnects. While paused, the socket's buffers fill and the gateway
    /// buffers or drops on its side; a run whose frames it dropped shows a `seq` gap once
    /// reading resumes, which the gap resync reads back from `chat.history`. The liveness
    /// watchdog does not count a paused stretch as silence. Any thread.
    package func setReadingPaused(_ paused: Bool) {
        isReadingPauseRequested.store(paused, ordering: .sequentiallyConsistent)
        thread.ringDoorbell()
    }

    func report(_ newStatus: GatewayStatus) {
        status.withLock { $0 = newStatus }
        sink.statusChanged(newStatus)
    }
}

/// Log metadata keys of the gateway target, in one place.
package enum GatewayLogKey {
    static let url = "gateway.url"
    package static let error = "error"
    static let attempt = "gateway.attempt"
    static let delay = "gateway.retry_ms"
    static let requestID = "gateway.pairing.request_id"
    static let command = "gateway.operator_command"
    static let sessionKey = "session.key"
    static let sessions = "gateway.sessions"
    package static let reason = "gateway.reason"
    static let protocolVersion = "gateway.protocol"
    static let scopes = "gateway.scopes"
    static let size = "frame.size"
}
