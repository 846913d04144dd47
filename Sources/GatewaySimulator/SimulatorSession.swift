#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Gateway
import LWSRuntime
import Logging
import Runtime
import WireFormats

/// The simulator's state on its service thread: the listening context, each client
/// connection and the scenario runner.
///
/// Thread-bound (not `Sendable`); reached from lws through the context user pointer,
/// unretained: `run()` keeps `self` alive until after `lws_context_destroy`.
final class SimulatorSession {
    final class Connection {
        enum Phase {
            case challenged(nonce: String, ts: Int64)
            case ready(scopes: [String])
            case closing
        }

        let wsi: OpaquePointer
        var phase: Phase
        var outbound: [(bytes: [UInt8], flags: Int32)] = []
        var head = 0
        var assembler = MessageAssembler(limit: 64 * 1024)
        var closeCode: Int32?
        var blastFrame: [UInt8] = []
        var blastRemaining = 0
        var stream: SyntheticConversationStream?
        var streamRemaining = 0
        /// Pacing: frames per second, the start time and frames sent since.
        var streamRate: Int?
        var streamStartedAt = ContinuousClock.now
        var streamSent = 0

        init(wsi: OpaquePointer, nonce: String, ts: Int64) {
            self.wsi = wsi
            self.phase = .challenged(nonce: nonce, ts: ts)
        }

        var isReady: Bool {
            if case .ready = phase { return true }
            return false
        }

        var canObserve: Bool {
            if case let .ready(scopes) = phase { return scopes.contains("operator.read") }
            return false
        }
    }

    let simulator: GatewaySimulator
    var configuration: GatewaySimulatorConfiguration { simulator.configuration }
    var logger: Logger { simulator.logger }
    var context: OpaquePointer?
    var connections: [OpaquePointer: Connection] = [:]
    var steps: [ScenarioStep] = []
    var stepIndex = 0
    var isRunningSteps = false
    var isTicking = true
    var pendingRejections: [GatewayErrorShape] = []
    /// While true, `chat.history` requests wait in `heldHistory` (a slow gateway).
    var isHoldingHistory = false
    var heldHistory: [(wsi: OpaquePointer, id: String, params: OpaqueJSON?)] = []
    /// RPCs answered with an error (`{"refuse": method}` steps).
    var refusedMethods: Set<String> = []
    var nonceCounter = 0
    var messagesSent = 0
    var scratch: [UInt8] = []
    var streamFrame: [UInt8] = []
    lazy var stepTimer = LWSTimer { [unowned self] in self.runSteps() }
    lazy var tickTimer = LWSTimer { [unowned self] in self.tick() }
    lazy var paceTimer = LWSTimer { [unowned self] in
        for connection in self.connections.values where connection.streamRemaining > 0 {
            lws_callback_on_writable(connection.wsi)
        }
    }

    /// Microseconds until a paced stream's next frame is due; nil when it is due now.
    func pacingDelay(_ connection: Connection) -> Int64? {
        guard let rate = connection.streamRate, rate > 0 else { return nil }
        let dueAt = connection.streamStartedAt + .microseconds(Int64(connection.streamSent) * 1_000_000 / Int64(rate))
        let wait = ContinuousClock.now.duration(to: dueAt)
        return wait > .zero ? max(1, wait.wholeMicroseconds) : nil
    }

    static let protocolName = "openclaw-gateway"

    init(simulator: GatewaySimulator) {
        self.simulator = simulator
    }

    func run() {
        LWSLogging.configure(logger)
        let settings = LWSContextSettings(protocolName: Self.protocolName, callback: gatewaySimulatorCallback, user: self)
        settings.protocolEntry[0].rx_buffer_size = 65_536
        settings.info.port = Int32(configuration.port)
        settings.info.iface = UnsafePointer(settings.cString("127.0.0.1"))
        settings.info.fd_limit_per_thread = 64
        // lws reads at most this much per POLLIN (default 4096, ~17 frames): 64 KiB cuts the
        // poll round trips of a busy stream 16-fold. Allocated once per service thread.
        settings.info.pt_serv_buf_size = 65_536
        if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsPrivateKeyPath {
            settings.info.options |= UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
            settings.info.ssl_cert_filepath = UnsafePointer(settings.cString(certificate))
            settings.info.ssl_private_key_filepath = UnsafePointer(settings.cString(key))
        }
        let isCreated = simulator.thread.runContext(
            settings,
            started: { context in
                self.context = context
                guard let vhost = lws_get_vhost_by_name(context, "default") else {
                    simulator.observed.withLock { $0.startFailure = "cannot listen on 127.0.0.1:\(configuration.port)" }
                    simulator.thread.requestStop()
                    return
                }
                let port = Int(lws_get_vhost_listen_port(vhost))
                simulator.observed.withLock { $0.port = port }
                logger.debug("gateway simulator listening", metadata: [SimulatorLogKey.port: "\(port)"])
                tickTimer.schedule(on: context, afterMicroseconds: Int64(configuration.tickIntervalMs) * 1000)
            },
            stopping: { _ in
                stepTimer.cancel()
                tickTimer.cancel()
                paceTimer.cancel()
                connections.removeAll()
            })
        guard isCreated else {
            simulator.observed.withLock { $0.startFailure = "cannot listen on 127.0.0.1:\(configuration.port)" }
            return
        }
        self.context = nil
        simulator.observed.withLock { $0.readyClients = 0 }
    }

    // MARK: Connections

    func established(_ wsi: OpaquePointer) {
        nonceCounter += 1
        let nonce = "nonce-\(nonceCounter)-\(UInt64.random(in: 0...UInt64.max))"
        let ts = WallClock.milliseconds()
        let connection = Connection(wsi: wsi, nonce: nonce, ts: ts)
        connections[wsi] = connection
        if configuration.isLegacy {
            connection.phase = .ready(scopes: ["operator.read"])
            simulator.observed.withLock {
                $0.readyClients += 1
                $0.accepted += 1
            }
            return
        }
        enqueue(ConnectChallenge(nonce: nonce, ts: ts).encodedFrame(), to: connection)
    }

    func closed(_ wsi: OpaquePointer) {
        guard let connection = connections.removeValue(forKey: wsi) else { return }
        heldHistory.removeAll { $0.wsi == wsi }
        if connection.isReady { simulator.observed.withLock { $0.readyClients -= 1 } }
    }

    func receive(_ wsi: OpaquePointer, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        guard let connection = connections[wsi] else { return -1 }
        let isMessageEnd = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
        let outcome = connection.assembler.feed(chunk, isMessageEnd: isMessageEnd) { message in
            handle(message, from: connection)
        }
        if case .dropped = outcome {
            // Over the pre-handshake (64 KiB) or policy limit: a real gateway closes.
            close(connection, code: 1009)
        }
        return 0
    }

    func writeable(_ wsi: OpaquePointer) -> Int32 {
        guard let connection = connections[wsi] else { return -1 }
        if connection.head < connection.outbound.count {
            let (bytes, flags) = connection.outbound[connection.head]
            connection.head += 1
            if connection.head == connection.outbound.count {
                connection.outbound.removeAll(keepingCapacity: true)
                connection.head = 0
            }
            if write(bytes, flags: flags, on: wsi) < 0 { return -1 }
        } else if connection.blastRemaining > 0 {
            connection.blastRemaining -= 1
            if write(connection.blastFrame, flags: Int32(LWS_WRITE_TEXT.rawValue), on: wsi) < 0 { return -1 }
        } else if connection.streamRemaining > 0, connection.stream != nil, let wait = pacingDelay(connection) {
            // Ahead of the paced schedule: come back when the next frame is due.
            if let context { paceTimer.schedule(on: context, afterMicroseconds: wait) }
            return 0
        } else if connection.streamRemaining > 0, connection.stream != nil {
            // Load generation: several frames per callback while the socket takes them
            // whole (lws refuses a write after a partial one, "back-to-back write").
            var burst = 0
            repeat {
                connection.streamRemaining -= 1
                connection.stream!.next(into: &streamFrame)
                if write(streamFrame, flags: Int32(LWS_WRITE_TEXT.rawValue), on: wsi) < 0 { return -1 }
                burst += 1
                connection.streamSent += 1
            } while burst < 64 && connection.streamRemaining > 0 && pacingDelay(connection) == nil
                && lws_send_pipe_choked(wsi) == 0 && lws_partial_buffered(wsi) == 0
        } else if let code = connection.closeCode {
            lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), nil, 0)
            return -1
        } else {
            return 0
        }
        if connection.head < connection.outbound.count || connection.blastRemaining > 0
            || connection.streamRemaining > 0 || connection.closeCode != nil {
            lws_callback_on_writable(wsi)
        }
        return 0
    }

    func write(_ bytes: [UInt8], flags: Int32, on wsi: OpaquePointer) -> Int32 {
        let pre = clws_pre()
        if scratch.count < pre + bytes.count { scratch = [UInt8](repeating: 0, count: pre + bytes.count) }
        messagesSent += 1
        if messagesSent & 1023 == 0 || messagesSent < 1024 { simulator.observed.withLock { [messagesSent] in $0.messagesSent = messagesSent } }
        return scratch.withUnsafeMutableBufferPointer { buffer in
            let payload = buffer.baseAddress! + pre
            bytes.withUnsafeBufferPointer { if !$0.isEmpty { payload.update(from: $0.baseAddress!, count: bytes.count) } }
            return lws_write(wsi, payload, bytes.count, lws_write_protocol(rawValue: UInt32(flags)))
        }
    }

    func enqueue(_ bytes: [UInt8], to connection: Connection, flags: Int32 = Int32(LWS_WRITE_TEXT.rawValue)) {
        connection.outbound.append((bytes, flags))
        lws_callback_on_writable(connection.wsi)
    }

    /// Splits a message into `pieces` WebSocket fragments (continuation frames).
    func enqueueFragments(_ bytes: [UInt8], pieces: Int, to connection: Connection) {
        let count = max(1, min(pieces, bytes.count))
        let size = (bytes.count + count - 1) / count
        var start = 0
        var index = 0
        while start < bytes.count {
            let end = min(bytes.count, start + size)
            let flags = lws_write_ws_flags(Int32(LWS_WRITE_TEXT.rawValue), index == 0 ? 1 : 0, end == bytes.count ? 1 : 0)
            connection.outbound.append((Array(bytes[start..<end]), flags))
            start = end
            index += 1
        }
        lws_callback_on_writable(connection.wsi)
    }

    func close(_ connection: Connection, code: Int32) {
        if connection.isReady { simulator.observed.withLock { $0.readyClients -= 1 } }
        connection.phase = .closing
        connection.closeCode = code
        lws_callback_on_writable(connection.wsi)
    }

    func broadcast(_ bytes: [UInt8], observersOnly: Bool = true) {
        for connection in connections.values where observersOnly ? connection.canObserve : connection.isReady {
            enqueue(bytes, to: connection)
        }
    }

    // MARK: Ticks and commands

    func tick() {
        guard let context else { return }
        if isTicking {
            let frame = #"{"type":"event","event":"tick","payload":{"ts":\#(WallClock.milliseconds())}}"#
            broadcast(Array(frame.utf8), observersOnly: false)
        }
        tickTimer.schedule(on: context, afterMicroseconds: Int64(configuration.tickIntervalMs) * 1000)
    }

    func drainCommands() {
        let queued = simulator.commands.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        for command in queued {
            switch command {
            case let .steps(new): steps.append(contentsOf: new)
            case let .stream(stream, count, rate):
                for connection in connections.values where connection.canObserve {
                    connection.stream = stream
                    connection.streamRemaining = count
                    connection.streamRate = rate
                    connection.streamStartedAt = .now
                    connection.streamSent = 0
                    lws_callback_on_writable(connection.wsi)
                }
            }
        }
        if !queued.isEmpty && !isRunningSteps { runSteps() }
    }
}

/// The lws protocol callback of the simulator: a plain global function; the session comes
/// from the context user pointer, unretained (see `SimulatorSession`).
func gatewaySimulatorCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let session = LWSContextSettings.owner(of: wsi, as: SimulatorSession.self) else { return 0 }
    switch reason {
    case LWS_CALLBACK_ESTABLISHED:
        session.established(wsi)
    case LWS_CALLBACK_RECEIVE:
        return session.receive(wsi, UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : length))
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return session.writeable(wsi)
    case LWS_CALLBACK_CLOSED:
        session.closed(wsi)
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        session.drainCommands()
        return 0
    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    return 0
}
