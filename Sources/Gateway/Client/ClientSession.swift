#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import LWSRuntime
import Logging
import Runtime
import WireFormats

/// The client's state on its service thread: the lws context, the one connection, the
/// handshake, subscriptions, per-run `seq` tracking, resync and reconnect.
///
/// Thread-bound: created, used and released on the service thread only (not `Sendable`).
/// lws reaches it through the context user pointer, unretained: `run()` keeps `self`
/// alive until after `lws_context_destroy` returns, so no callback can outlive it.
final class ClientSession {
    enum Phase {
        case idle
        case connecting
        case awaitingChallenge
        case awaitingHello(requestID: String)
        case ready
        /// Not reconnecting until stopped: a fatal rejection.
        case halted
    }

    /// What an RPC response is for.
    enum Pending {
        case sessionsSubscribe
        case sessionsList
        case messagesSubscribe(String)
        case history(String, GatewayDelivery.ResyncReason)
    }

    /// What to do after the current socket closes.
    struct AfterClose {
        var reason: GatewayError
        var delayMs: Int?
        var halt = false
    }

    let client: GatewayClient
    var logger: Logger { client.logger }
    var counters: GatewayCounters { client.counters }
    var configuration: GatewayClientConfiguration { client.configuration }

    var context: OpaquePointer?
    var wsi: OpaquePointer?
    let wsiSlot = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: 1)
    var phase = Phase.idle
    var isStopping = false
    var backoff: Backoff
    var assembler: MessageAssembler
    var outbound: [[UInt8]] = []
    var outboundHead = 0
    var scratch: [UInt8] = []
    var pendingClose: Int32?
    var afterClose: AfterClose?
    var peerCloseCode: Int?
    var lastFrameAt = ContinuousClock.now
    var silenceLimitMs = 0
    var attemptsSinceReady = 0
    /// Between `connect()` and the connection's outcome (see `LWSDialErrors`).
    var isDialing = false
    /// Whether rx flow control is off on the current socket (reading paused).
    var isReadingPaused = false

    // Handshake.
    var protocolOverride: Int?
    var deviceToken: String?
    var useDeviceToken = false
    var triedDeviceToken = false
    var requestCounter = 0

    // Subscriptions and resync.
    var pending: [String: Pending] = [:]
    var knownSessions: Set<String> = []
    var subscribedSessions: Set<String> = []
    var resyncReasons: [String: GatewayDelivery.ResyncReason] = [:]
    var historyInFlight: Set<String> = []
    var hasBeenReady = false
    var runs = BoundedMap<UInt64, RunTrack>(capacity: 65_536)
    /// Runs whose final answer was delivered, by `IdentityHash` of the run id.
    var deliveredRuns = BoundedSet<UInt64>(capacity: 65_536)
    /// Transcript messages delivered, by `IdentityHash` of the message id.
    var deliveredMessages = BoundedSet<UInt64>(capacity: 65_536)
    /// Messages without an id, by `IdentityHash` of session, role, time and text.
    var deliveredContents = BoundedSet<UInt64>(capacity: 65_536)
    var hasLoggedMalformed = false
    var hasLoggedOversized = false

    // Restart resync (see `RestartResync`).
    /// What was active before the daemon's stop, until the first `sessions.list` answer
    /// names the sessions to re-read; nil after that (or when nothing was active).
    var restartPlan: RestartResync?
    /// Where each re-read session's judged transcript ends. Kept for the process's life
    /// (one entry per session active before the stop), so that a later resync of the
    /// session leaves out the rows judged before the stop too.
    var restartBoundaries: [String: RestartResync.Boundary] = [:]
    /// Sessions whose restart history has not answered yet; their rows wait in `restartBatch`.
    var restartAwaiting: Set<String> = []
    /// Rows re-read after the restart, handed on in event-time order once every session has
    /// answered: one agent's downtime answer must not be judged before another's earlier one.
    var restartBatch: [RestartRow] = []
    /// Live messages received while a restart resync is pending: handed on after its rows,
    /// so that nothing live is judged before the downtime it follows.
    var restartHeldLive: [(bytes: [UInt8], frame: ScannedFrame)] = []

    /// A history row waiting in `restartBatch`.
    struct RestartRow {
        /// The row's time (or the time of the row before it in its session).
        var at: Int64
        /// Arrival order, to keep rows of the same time in transcript order.
        var order: Int
        var frame: [UInt8]
        var delivery: GatewayDelivery
    }

    /// Rows (and live messages) held at most during a restart resync; more are handed on
    /// early (ordered within themselves), so memory stays bounded whatever was active.
    static let restartBatchCapacity = 20_000

    // C strings and tables lws keeps pointers to for the context's life.
    var cStrings: [UnsafeMutablePointer<CChar>] = []
    var contextSettings: LWSContextSettings?
    lazy var reconnectTimer = LWSTimer { [unowned self] in self.connect() }
    lazy var watchdogTimer = LWSTimer { [unowned self] in self.checkLiveness() }

    static let protocolName = "moses-openclaw"

    init(client: GatewayClient) {
        self.client = client
        self.backoff = client.configuration.backoff
        self.assembler = MessageAssembler(limit: client.configuration.defaultMaxPayload)
        self.restartPlan = client.configuration.restartResync.isEmpty ? nil : client.configuration.restartResync
        wsiSlot.initialize(to: nil)
    }

    deinit {
        wsiSlot.deallocate()
        for string in cStrings { free(string) }
    }

    func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        cStrings.append(copy)
        return copy
    }

    // MARK: Service loop

    func run() {
        LWSLogging.configure(logger)
        if let path = configuration.deviceTokenPath, let bytes = try? DeviceIdentity.readFile(at: path) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingTrailingNewlines()
            if !text.isEmpty { deviceToken = text }
        }
        let settings = LWSContextSettings(
            clientProtocol: Self.protocolName, callback: gatewayClientCallback, user: self, caFilePath: configuration.caFilePath)
        contextSettings = settings
        // 64 KiB chunks: one callback per frame for large messages, nothing lost for small.
        settings.protocolEntry[0].rx_buffer_size = 65_536
        // One connection plus lws's internal pipe; a small table instead of RLIMIT_NOFILE.
        settings.info.fd_limit_per_thread = 8
        // lws reads at most this much per POLLIN (default 4096, ~17 frames): 64 KiB cuts the
        // poll round trips of a busy stream 16-fold. Allocated once per service thread.
        settings.info.pt_serv_buf_size = 65_536
        let isCreated = client.thread.runContext(
            settings,
            started: { context in
                self.context = context
                connect()
            },
            stopping: { _ in
                // Received is judged: what a cut-short restart resync holds goes on before the stop
                // (the sessions that did not answer are re-read at the next start).
                flushRestartBatch()
                isStopping = true
                endDialing()
                reconnectTimer.cancel()
                watchdogTimer.cancel()
            })
        guard isCreated else {
            let error = GatewayError.contextCreationFailed(configuration.caFilePath.map { "CA file '\($0)'" } ?? "client context")
            logger.error("gateway client cannot start", metadata: [GatewayLogKey.error: "\(error)"])
            client.report(.stopped(reason: error))
            return
        }
        self.context = nil
        client.report(.stopped(reason: nil))
        logger.notice("gateway client stopped")
    }

    // MARK: Connecting

    func connect() {
        guard let context, !isStopping else { return }
        if case .halted = phase { return }
        attemptsSinceReady += 1
        counters.connectAttempts.increment()
        phase = .connecting
        client.report(.connecting(attempt: attemptsSinceReady))
        logger.debug("connecting to the gateway", metadata: [GatewayLogKey.attempt: "\(attemptsSinceReady)"])
        var info = lws_client_connect_info()
        info.context = context
        info.address = UnsafePointer(cString(client.endpoint.host))
        info.port = Int32(client.endpoint.port)
        info.path = UnsafePointer(cString(client.endpoint.path))
        info.host = info.address
        info.ssl_connection = client.endpoint.isTLS ? Int32(LCCSCF_USE_SSL.rawValue) : 0
        info.local_protocol_name = UnsafePointer(cString(Self.protocolName))
        info.pwsi = wsiSlot
        // Strings from cString() live until the context dies; drop the per-attempt ones
        // from the list growth by keeping only the latest few.
        beginDialing()
        if lws_client_connect_via_info(&info) == nil {
            // A synchronous failure (e.g. DNS) gets no callback (lws#2301): retry from here.
            wsi = nil
            connectionLost(default: AfterClose(reason: .connectFailed(url: "\(client.endpoint)", reason: "connect refused before dialing")))
        }
        trimConnectStrings()
    }

    /// Each attempt adds three strings; keep the memory flat over a long outage.
    private func trimConnectStrings() {
        // The first string is the protocol name (and maybe the CA file): keep the context's.
        let keep = configuration.caFilePath == nil ? 1 : 2
        while cStrings.count > keep + 3 * 4 {
            free(cStrings.remove(at: keep))
        }
    }

    /// The socket is gone (error, close, or a synchronous connect failure): retry or halt.
    func connectionLost(default fallback: AfterClose) {
        let next = afterClose ?? fallback
        afterClose = nil
        wsi = nil
        endDialing()
        pendingClose = nil
        assembler.reset()
        outbound.removeAll(keepingCapacity: true)
        outboundHead = 0
        pending.removeAll()
        historyInFlight.removeAll()
        subscribedSessions.removeAll()
        watchdogTimer.cancel()
        // A restart resync cut short is asked again (its boundaries and batch stay).
        for key in restartAwaiting { resyncReasons[key] = .restart }
        isReadingPaused = false
        if hasBeenReady {
            for key in knownSessions where resyncReasons[key] == nil { resyncReasons[key] = .reconnect }
        }
        guard !isStopping, let context else { return }
        if next.halt {
            phase = .halted
            logger.error("gateway connection halted", metadata: [GatewayLogKey.error: "\(next.reason)"])
            client.report(.stopped(reason: next.reason))
            return
        }
        phase = .idle
        let delay = next.delayMs ?? backoff.nextDelayMs()
        counters.reconnects.increment()
        logConnectionTrouble(next.reason, retryInMs: delay)
        client.report(.waiting(retryInMs: delay, reason: next.reason))
        reconnectTimer.schedule(on: context, afterMicroseconds: Int64(delay) * 1000)
    }

    /// Closes the socket from our side with `code`, then proceeds as `then` says.
    func close(code: Int32, then next: AfterClose) {
        afterClose = next
        guard let wsi else { return }
        pendingClose = code
        lws_callback_on_writable(wsi)
    }

    // MARK: lws events

    func established(_ wsi: OpaquePointer) {
        self.wsi = wsi
        endDialing()
        peerCloseCode = nil
        assembler = MessageAssembler(limit: configuration.defaultMaxPayload)
        touch()
        applyReadingPause()
        switch configuration.protocolMode {
        case .openclaw:
            phase = .awaitingChallenge
            armWatchdog(silenceLimitMs: configuration.handshakeTimeoutMs)
        case .legacy:
            becomeReady(protocolVersion: 0, scopes: [])
            send(Array(#"{"type":"subscribe","events":["session_update"]}"#.utf8))
        }
    }

    func receive(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) {
        let isMessageEnd = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
        let outcome = assembler.feed(chunk, isMessageEnd: isMessageEnd) { message in
            handleMessage(message)
        }
        if case let .dropped(size) = outcome {
            touch()
            counters.oversized.increment()
            if !hasLoggedOversized {
                hasLoggedOversized = true
                logger.warning("oversized gateway message dropped (first; the rest only counted)", metadata: [
                    GatewayLogKey.error: "\(GatewayError.oversizedMessage(size: size, limit: assembler.limit))",
                ])
            }
        }
    }

    func writeable(_ wsi: OpaquePointer) -> Int32 {
        if let code = pendingClose {
            pendingClose = nil
            lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), nil, 0)
            return -1
        }
        guard outboundHead < outbound.count else { return 0 }
        let message = outbound[outboundHead]
        outboundHead += 1
        if outboundHead == outbound.count {
            outbound.removeAll(keepingCapacity: true)
            outboundHead = 0
        }
        if writeText(message, on: wsi) < 0 { return -1 }
        if outboundHead < outbound.count { lws_callback_on_writable(wsi) }
        return 0
    }

    func writeText(_ message: [UInt8], on wsi: OpaquePointer) -> Int32 {
        let pre = clws_pre()
        if scratch.count < pre + message.count { scratch = [UInt8](repeating: 0, count: pre + message.count) }
        return scratch.withUnsafeMutableBufferPointer { buffer in
            let payload = buffer.baseAddress! + pre
            message.withUnsafeBufferPointer { payload.update(from: $0.baseAddress!, count: message.count) }
            return lws_write(wsi, payload, message.count, LWS_WRITE_TEXT)
        }
    }

    func closed() {
        let code = peerCloseCode
        connectionLost(default: AfterClose(reason: .connectionClosed(code: code)))
    }

    func connectionError(_ lwsReason: String) {
        let reason = LWSDialErrors.takeReason() ?? (lwsReason.isEmpty ? "unknown" : lwsReason)
        connectionLost(default: AfterClose(reason: .connectFailed(url: "\(client.endpoint)", reason: reason)))
    }

    /// Makes the socket's rx flow control match what the owner asked (`setReadingPaused`).
    /// Service thread only: lws flow control is not thread-safe.
    func applyReadingPause() {
        let wanted = client.isReadingPauseRequested.load(ordering: .sequentiallyConsistent)
        guard let wsi, wanted != isReadingPaused else { return }
        // Outside a callback on this wsi, so lws applies the change at once.
        lws_rx_flow_control(wsi, wanted ? 0 : 1)
        isReadingPaused = wanted
        if wanted {
            counters.readPauses.increment()
            logger.warning("gateway reading paused: the store cannot write")
        } else {
            touch()
            logger.notice("gateway reading resumed")
        }
    }

    func drainCommands() {
        applyReadingPause()
        let queued = client.commands.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        for command in queued {
            switch command {
            case let .resync(key, reason):
                resyncReasons[key] = reason
                if case .ready = phase { requestHistory(of: key) }
            }
        }
    }

    // MARK: Sending

    func send(_ message: [UInt8]) {
        guard let wsi else { return }
        outbound.append(message)
        lws_callback_on_writable(wsi)
    }

    func sendRequest(_ method: String, params: OpaqueJSON, for purpose: Pending) {
        requestCounter += 1
        let id = "r-\(requestCounter)"
        pending[id] = purpose
        let frame = OpaqueJSON.object(["type": .string("req"), "id": .string(id), "method": .string(method), "params": params])
        send(frame.encoded())
    }

    // MARK: Liveness

    func touch() {
        lastFrameAt = .now
    }

    func armWatchdog(silenceLimitMs: Int) {
        guard let context else { return }
        self.silenceLimitMs = silenceLimitMs
        watchdogTimer.schedule(on: context, afterMicroseconds: Int64(silenceLimitMs) * 1000)
    }

    func checkLiveness() {
        guard let context, wsi != nil else { return }
        if isReadingPaused {
            // We stopped reading, so the silence is ours, not the gateway's.
            touch()
        }
        let silentMicroseconds = lastFrameAt.duration(to: .now).wholeMicroseconds
        let limitMicroseconds = Int64(silenceLimitMs) * 1000
        if silentMicroseconds >= limitMicroseconds {
            counters.tickTimeouts.increment()
            let error = GatewayError.tickTimeout(silentForMs: Int(silentMicroseconds / 1000))
            logger.info("gateway silent too long; closing with 4000", metadata: [GatewayLogKey.error: "\(error)"])
            close(code: 4000, then: AfterClose(reason: error))
        } else {
            watchdogTimer.schedule(on: context, afterMicroseconds: limitMicroseconds - silentMicroseconds)
        }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text.removeLast() }
        return text
    }
}

/// The lws protocol callback of the client: a plain global function (lws needs a C
/// function pointer; one in `main.swift` would be main-actor isolated and trap off the
/// main thread). The session comes from the context user pointer, unretained: see
/// `ClientSession`.
func gatewayClientCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let session = LWSContextSettings.owner(of: wsi, as: ClientSession.self) else { return 0 }
    switch reason {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        session.established(wsi)
    case LWS_CALLBACK_CLIENT_RECEIVE:
        guard session.wsi == wsi else { return 0 }
        session.receive(wsi, UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length))
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        guard session.wsi == wsi else { return 0 }
        return session.writeable(wsi)
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        // lws 4.1 passes its reason as a C string ("Unable to connect", "HS: …").
        let text = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
        session.connectionError(text.trimmingTrailingNewlines())
    case LWS_CALLBACK_CLIENT_CLOSED:
        session.closed()
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if let input, length >= 2 {
            let bytes = input.assumingMemoryBound(to: UInt8.self)
            session.peerCloseCode = Int(bytes[0]) << 8 | Int(bytes[1])
        }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        session.drainCommands()
        // Must return 0 here (lws#2168).
        return 0
    default:
        break
    }
    return 0
}
