import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Gateway
import Logging
import WireFormats

/// The simulated gateway's side of the protocol: connect validation, RPCs, scenarios.
extension SimulatorSession {
    func handle(_ message: UnsafeRawBufferPointer, from connection: Connection) {
        switch connection.phase {
        case let .challenged(nonce, ts):
            handleConnect(message, from: connection, nonce: nonce, ts: ts)
        case .ready:
            if !configuration.isLegacy { handleRequest(message, from: connection) }
        case .closing:
            break
        }
    }

    func reject(_ connection: Connection, id: String, _ error: GatewayErrorShape) {
        simulator.observed.withLock { $0.rejections.append(error.details?.code ?? error.code) }
        logger.debug("simulator rejected a connect", metadata: [GatewayLogKey.reason: "\(error.details?.code ?? error.code)"])
        enqueue(ResponseFrame<OpaqueJSON>(id: id, ok: false, payload: nil, error: error).encoded(), to: connection)
        close(connection, code: 1008)
    }

    static func invalid(_ detail: String, _ message: String, nextStep: String? = nil) -> GatewayErrorShape {
        GatewayErrorShape(code: "INVALID_REQUEST", message: message, details: .init(code: detail, recommendedNextStep: nextStep))
    }

    func handleConnect(_ message: UnsafeRawBufferPointer, from connection: Connection, nonce: String, ts: Int64) {
        let bytes = FrameBytes(message)
        guard let frame = try? FrameScanner.scan(message), bytes.string(frame.type, equals: "req") else {
            // A non-request first frame (e.g. the seed's {"type":"subscribe"}): no answer, 1008.
            simulator.observed.withLock { $0.rejections.append("invalid request frame") }
            close(connection, code: 1008)
            return
        }
        let id = frame.id.kind == .string ? bytes.decodedString(frame.id) : ""
        guard frame.id.kind == .string,
              let request = try? JSONDecoder().decode(ConnectRequest.self, from: Data(message)),
              request.method == "connect"
        else {
            reject(connection, id: id, Self.invalid("INVALID_REQUEST", "invalid handshake: first request must be connect"))
            return
        }
        if !pendingRejections.isEmpty {
            reject(connection, id: id, pendingRejections.removeFirst())
            return
        }
        let params = request.params
        guard params.minProtocol <= configuration.protocolVersion, configuration.protocolVersion <= params.maxProtocol else {
            var error = Self.invalid("PROTOCOL_MISMATCH", "protocol mismatch")
            error.details?.expectedProtocol = configuration.protocolVersion
            reject(connection, id: id, error)
            return
        }
        if let expected = configuration.token {
            let offered = params.auth?.token ?? params.auth?.deviceToken
            let issued = configuration.issuedDeviceToken
            guard let offered else {
                reject(connection, id: id, Self.invalid("AUTH_TOKEN_MISSING", "unauthorized: gateway token missing", nextStep: "update_auth_configuration"))
                return
            }
            guard offered == expected || (issued != nil && offered == issued) else {
                reject(connection, id: id, Self.invalid("AUTH_TOKEN_MISMATCH", "unauthorized: gateway token mismatch", nextStep: "update_auth_configuration"))
                return
            }
        }
        var scopes: [String] = []
        if let device = params.device {
            guard device.nonce == nonce else {
                reject(connection, id: id, Self.invalid("DEVICE_AUTH_NONCE_MISMATCH", "device nonce mismatch"))
                return
            }
            guard device.signedAt == ts else {
                reject(connection, id: id, Self.invalid("DEVICE_AUTH_SIGNATURE_EXPIRED", "device signature is not for this challenge"))
                return
            }
            guard let key = Base64URL.decode(device.publicKey), key.count == 32 else {
                reject(connection, id: id, Self.invalid("DEVICE_AUTH_PUBLIC_KEY_INVALID", "device public key invalid"))
                return
            }
            guard DeviceIdentity.deviceID(forPublicKey: key) == device.id else {
                reject(connection, id: id, Self.invalid("DEVICE_AUTH_DEVICE_ID_MISMATCH", "device id mismatch"))
                return
            }
            guard let payload = request.expectedDevicePayload,
                  DeviceIdentity.isValidSignature(device.signature, for: payload.v2String, publicKey: device.publicKey)
            else {
                reject(connection, id: id, Self.invalid("DEVICE_AUTH_SIGNATURE_INVALID", "device signature invalid"))
                return
            }
            scopes = params.scopes.filter { configuration.grantableScopes.contains($0) }
        }
        // No device: self-declared scopes are cleared (clearUnboundScopes).
        connection.phase = .ready(scopes: scopes)
        connection.assembler.limit = configuration.maxPayload
        simulator.observed.withLock {
            $0.readyClients += 1
            $0.accepted += 1
            $0.lastGrantedScopes = scopes
        }
        let hello = HelloOk(
            protocol: configuration.protocolVersion,
            server: .init(version: "simulator", connId: "conn-\(nonceCounter)"),
            auth: .init(role: params.role, scopes: scopes, deviceToken: params.device == nil ? nil : configuration.issuedDeviceToken),
            policy: .init(maxPayload: configuration.maxPayload, maxBufferedBytes: 2 * configuration.maxPayload, tickIntervalMs: configuration.tickIntervalMs)
        )
        enqueue(ResponseFrame(id: id, ok: true, payload: hello, error: nil).encoded(), to: connection)
    }

    func handleRequest(_ message: UnsafeRawBufferPointer, from connection: Connection) {
        guard let frame = OpaqueJSON.decode(message), frame["type"]?.stringValue == "req",
              let id = frame["id"]?.stringValue, let method = frame["method"]?.stringValue
        else { return }
        simulator.observed.withLock { $0.requests[method, default: 0] += 1 }
        guard connection.canObserve else {
            let error = GatewayErrorShape(code: "FORBIDDEN", message: "missing scope: operator.read", details: .init(code: "MISSING_SCOPE", missingScope: "operator.read"))
            enqueue(ResponseFrame<OpaqueJSON>(id: id, ok: false, payload: nil, error: error).encoded(), to: connection)
            return
        }
        let params = frame["params"]
        let payload: OpaqueJSON
        guard !refusedMethods.contains(method) else {
            let error = GatewayErrorShape(code: "INVALID_REQUEST", message: "unknown method: \(method)")
            enqueue(ResponseFrame<OpaqueJSON>(id: id, ok: false, payload: nil, error: error).encoded(), to: connection)
            return
        }
        switch method {
        case "sessions.subscribe":
            payload = .object(["subscribed": .bool(true)])
        case "sessions.messages.subscribe":
            payload = .object(["subscribed": .bool(true), "key": params?["key"] ?? .null])
        case "sessions.list":
            payload = .object(["sessions": .array(simulator.history.sessions.map { .object(["key": .string($0)]) })])
        case "chat.history":
            guard !isHoldingHistory else {
                heldHistory.append((connection.wsi, id, params))
                return
            }
            payload = historyPayload(params)
        case "health":
            payload = .object(["ok": .bool(true)])
        default:
            let error = GatewayErrorShape(code: "INVALID_REQUEST", message: "unknown method: \(method)")
            enqueue(ResponseFrame<OpaqueJSON>(id: id, ok: false, payload: nil, error: error).encoded(), to: connection)
            return
        }
        enqueue(ResponseFrame(id: id, ok: true, payload: payload, error: nil).encoded(), to: connection)
    }

    /// The answer to `chat.history` with `params`: the session's latest rows.
    func historyPayload(_ params: OpaqueJSON?) -> OpaqueJSON {
        let key = params?["sessionKey"]?.stringValue ?? ""
        // The gateway allows 1...1000.
        let limit = Int(max(1, min(1_000, params?["limit"]?.integerValue ?? 200)))
        return .object(["sessionKey": .string(key), "messages": .array(simulator.history.rows(of: key, limit: limit))])
    }

    // MARK: Scenario

    func runSteps() {
        guard let context else { return }
        isRunningSteps = true
        while stepIndex < steps.count {
            let step = steps[stepIndex]
            if case let .waitForClients(count) = step, simulator.observed.withLock({ $0.readyClients }) < count {
                stepTimer.schedule(on: context, afterMicroseconds: 5_000)
                return
            }
            if case .waitForNoClients = step, !connections.isEmpty {
                stepTimer.schedule(on: context, afterMicroseconds: 5_000)
                return
            }
            stepIndex += 1
            simulator.observed.withLock { $0.pendingSteps -= 1 }
            if case let .sleep(milliseconds) = step {
                stepTimer.schedule(on: context, afterMicroseconds: Int64(milliseconds) * 1000)
                return
            }
            perform(step)
        }
        steps.removeAll()
        stepIndex = 0
        isRunningSteps = false
    }

    func perform(_ step: ScenarioStep) {
        switch step {
        case let .send(frame):
            simulator.history.record(frame)
            broadcast(frame.encoded(), observersOnly: frame["event"]?.stringValue != "tick" && frame["event"]?.stringValue != "shutdown")
        case let .record(frame):
            simulator.history.record(frame)
        case .sleep, .waitForClients, .waitForNoClients:
            break
        case let .ledger(entry):
            if let path = configuration.ledgerPath { appendLine(entry.encoded(), to: path) }
        case let .state(state):
            if let path = configuration.statePath {
                try? DeviceIdentity.writeSecretFile(state.encoded() + [0x0a], at: path, exclusive: false)
            }
        case let .marker(name):
            simulator.observed.withLock { $0.markers.append(name) }
        case let .fragment(frame, pieces):
            simulator.history.record(frame)
            let bytes = frame.encoded()
            for connection in connections.values where connection.canObserve {
                enqueueFragments(bytes, pieces: pieces, to: connection)
            }
        case let .oversized(size):
            let head = Array(#"{"type":"event","event":"presence","payload":{"pad":""#.utf8)
            let tail = Array(#""}}"#.utf8)
            let bytes = head + [UInt8](repeating: UInt8(ascii: "x"), count: max(0, size - head.count - tail.count)) + tail
            broadcast(bytes)
        case let .garbage(text):
            broadcast(Array(text.utf8))
        case let .ticks(on):
            isTicking = on
        case .dropConnections:
            for connection in connections.values { close(connection, code: 1001) }
        case let .refuse(method):
            refusedMethods.insert(method)
        case let .holdHistory(on):
            isHoldingHistory = on
            guard !on else { break }
            for request in heldHistory {
                guard let connection = connections[request.wsi] else { continue }
                enqueue(ResponseFrame(id: request.id, ok: true, payload: historyPayload(request.params), error: nil).encoded(), to: connection)
            }
            heldHistory.removeAll()
        case let .reject(error):
            pendingRejections.append(error)
        case let .blast(frame, count):
            let bytes = frame.encoded()
            for connection in connections.values where connection.canObserve {
                connection.blastFrame = bytes
                connection.blastRemaining += count
                lws_callback_on_writable(connection.wsi)
            }
        }
    }

    func appendLine(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            logger.warning("simulator cannot append to the ledger", metadata: [GatewayLogKey.error: "errno \(errno)"])
            return
        }
        let line = bytes + [0x0a]
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        Glibc.close(fd)
    }
}
