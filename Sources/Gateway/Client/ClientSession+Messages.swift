import Logging
import WireFormats

/// Inbound messages: the handshake, RPC responses, events, per-run `seq`, resync.
extension ClientSession {
    func handleMessage(_ message: UnsafeRawBufferPointer) {
        touch()
        counters.framesIn.increment()
        counters.bytesIn.increment(by: message.count)
        if configuration.isCountOnly, case .ready = phase { return }
        // The one scan of the frame: the client routes by it and the sink normalizes from it.
        guard let frame = scan(message) else { return }
        if configuration.protocolMode == .legacy {
            deliver(message, frame, .live)
            return
        }
        let bytes = FrameBytes(message)
        guard frame.type.kind == .string else {
            countMalformed(message)
            return
        }
        let isEvent = bytes.string(frame.type, equals: "event")
        let isResponse = bytes.string(frame.type, equals: "res")
        switch phase {
        case .awaitingChallenge:
            if isEvent, bytes.string(frame.event, equals: "connect.challenge") {
                answerChallenge(message)
            }
        case let .awaitingHello(requestID):
            if isResponse, frame.id.kind == .string, bytes.decodedString(frame.id) == requestID {
                handleConnectResponse(message)
            }
        case .ready:
            if isEvent {
                handleEvent(message, frame)
            } else if isResponse {
                handleResponse(message, frame)
            }
        case .idle, .connecting, .halted:
            break
        }
    }

    /// Scans a frame with the scanner the sink's normalizer uses.
    ///
    /// - Returns: nil, counted as malformed, when the bytes are not one well-formed JSON object.
    func scan(_ message: UnsafeRawBufferPointer) -> ScannedFrame? {
        do {
            return try FrameScanner.scan(message)
        } catch {
            countMalformed(message)
            return nil
        }
    }

    func countMalformed(_ message: UnsafeRawBufferPointer) {
        counters.malformed.increment()
        if !hasLoggedMalformed {
            hasLoggedMalformed = true
            let error = GatewayError.malformedFrame(size: message.count, prefix: HandshakeError.prefix(of: message))
            logger.warning("malformed gateway frame skipped (first; the rest only counted)", metadata: [GatewayLogKey.error: "\(error)"])
        }
    }

    /// Hands a message to the sink; a live one waits while a restart resync is pending.
    func deliver(_ message: UnsafeRawBufferPointer, _ frame: ScannedFrame, _ delivery: GatewayDelivery) {
        if !restartAwaiting.isEmpty, delivery.origin == .live {
            // The spans are offsets, so they stay valid for the copy.
            restartHeldLive.append((Array(message), frame))
            if restartHeldLive.count >= Self.restartBatchCapacity { flushRestartBatch() }
            return
        }
        handOn(message, frame, delivery)
    }

    /// Hands a message and its scan to the sink now, counted as delivered.
    func handOn(_ message: UnsafeRawBufferPointer, _ frame: ScannedFrame, _ delivery: GatewayDelivery) {
        counters.delivered.increment()
        client.sink.receive(frame, in: message, delivery: delivery)
    }

    /// Scans a frame the client built from a history row (encoder output: refused only past
    /// the scanner's nesting limit, then counted as malformed) and passes it to `body`.
    func withScanned(_ built: [UInt8], _ body: (UnsafeRawBufferPointer, ScannedFrame) -> Void) {
        built.withUnsafeBytes { message in
            guard let frame = scan(message) else { return }
            body(message, frame)
        }
    }

    // MARK: Handshake

    func answerChallenge(_ message: UnsafeRawBufferPointer) {
        guard let challenge = ConnectChallenge.decode(message) else {
            counters.malformed.increment()
            return
        }
        requestCounter += 1
        let id = "c-\(requestCounter)"
        let protocols = protocolOverride.map { $0...$0 } ?? ConnectRequest.supportedProtocols
        let sharedToken = useDeviceToken ? nil : configuration.token
        let request: ConnectRequest
        do {
            request = try ConnectRequest.make(
                id: id, protocols: protocols, clientID: configuration.clientID, clientMode: configuration.clientMode,
                version: configuration.version, token: sharedToken,
                deviceToken: (useDeviceToken || sharedToken == nil) ? deviceToken : nil,
                identity: client.identity, challengeNonce: challenge.nonce, challengeTs: challenge.ts
            )
        } catch {
            close(code: 1000, then: AfterClose(reason: .identity(error), halt: true))
            return
        }
        var outgoing = request
        configuration.connectRequestHook?(&outgoing)
        phase = .awaitingHello(requestID: id)
        send(outgoing.encoded())
    }

    func handleConnectResponse(_ message: UnsafeRawBufferPointer) {
        let outcome: ConnectOutcome
        do {
            outcome = try ConnectOutcome.decode(message)
        } catch {
            counters.malformed.increment()
            close(code: 1002, then: AfterClose(reason: .malformedFrame(size: message.count, prefix: HandshakeError.prefix(of: message))))
            return
        }
        switch outcome {
        case let .accepted(hello):
            accept(hello)
        case let .rejected(error):
            reject(error)
        }
    }

    func accept(_ hello: HelloOk) {
        guard hello.canObserve else {
            counters.rejections.increment()
            let granted = hello.auth?.scopes ?? []
            logger.error("gateway granted no operator.read scope: is the device identity missing or unpaired? retrying", metadata: [
                GatewayLogKey.scopes: "\(granted)",
            ])
            close(code: 1000, then: AfterClose(reason: .missingObserveScope(granted: granted)))
            return
        }
        if let issued = hello.auth?.deviceToken, issued != deviceToken {
            deviceToken = issued
            if let path = configuration.deviceTokenPath {
                do {
                    try DeviceIdentity.writeSecretFile(Array((issued + "\n").utf8), at: path, exclusive: false)
                } catch {
                    logger.warning("cannot keep the issued device token", metadata: [GatewayLogKey.error: "\(error)"])
                }
            }
        }
        counters.rejectedValues.increment(by: hello.policy.rejectedValues)
        assembler.limit = max(1024, hello.policy.maxPayload)
        triedDeviceToken = false
        becomeReady(protocolVersion: hello.protocol, scopes: hello.auth?.scopes ?? [])
        armWatchdog(silenceLimitMs: 2 * max(1, hello.policy.tickIntervalMs))
        sendRequest("sessions.subscribe", params: .object([:]), for: .sessionsSubscribe)
        sendRequest("sessions.list", params: .object([:]), for: .sessionsList)
    }

    func becomeReady(protocolVersion: Int, scopes: [String]) {
        phase = .ready
        backoff.reset()
        attemptsSinceReady = 0
        hasBeenReady = true
        logger.notice("gateway connection ready", metadata: [
            GatewayLogKey.protocolVersion: "\(protocolVersion)", GatewayLogKey.scopes: "\(scopes)",
        ])
        client.report(.ready(protocol: protocolVersion, scopes: scopes))
    }

    func reject(_ error: GatewayErrorShape) {
        counters.rejections.increment()
        counters.rejectedValues.increment(by: error.rejectedValues)
        let detail = error.details?.code
        switch error.recovery {
        case let .retryWithProtocol(version):
            protocolOverride = version
            close(code: 1000, then: AfterClose(reason: .protocolMismatch(expected: version), delayMs: 0))
        case let .awaitPairing(requestID):
            let id = requestID ?? "<requestId>"
            logger.warning("device pairing required; approve it on the gateway host", metadata: [
                GatewayLogKey.requestID: "\(id)", GatewayLogKey.command: "openclaw devices approve \(id)",
            ])
            close(code: 1000, then: AfterClose(reason: .pairingRequired(requestID: requestID), delayMs: Backoff.jittered(backoff.pairingMs)))
        case .retryWithDeviceToken:
            if deviceToken != nil && !triedDeviceToken {
                triedDeviceToken = true
                useDeviceToken = true
                close(code: 1000, then: AfterClose(reason: .handshakeRejected(code: error.code, detailCode: detail, message: error.message), delayMs: 250))
            } else {
                close(code: 1000, then: AfterClose(reason: .authenticationRejected(code: detail ?? error.code, nextStep: error.details?.recommendedNextStep), halt: true))
            }
        case let .retryLater(afterMs):
            close(code: 1000, then: AfterClose(reason: .handshakeRejected(code: error.code, detailCode: detail, message: error.message), delayMs: afterMs))
        case .stop:
            close(code: 1000, then: AfterClose(reason: .authenticationRejected(code: detail ?? error.code, nextStep: error.details?.recommendedNextStep), halt: true))
        }
    }

    // MARK: Events

    func isGoverned(_ sessionKey: String) -> Bool {
        guard let agents = configuration.governedAgents else { return true }
        let parts = sessionKey.split(separator: ":", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "agent" else { return false }
        return agents.contains(String(parts[1]))
    }

    func handleEvent(_ message: UnsafeRawBufferPointer, _ frame: ScannedFrame) {
        let bytes = FrameBytes(message)
        let isAgent = bytes.string(frame.event, equals: "agent")
        if isAgent || bytes.string(frame.event, equals: "chat") {
            let sequence = RunSequence(of: frame, in: bytes)
            if sequence.isRejected { counters.rejectedValues.increment() }
            if frame.runID.kind == .string {
                let run = IdentityHash.of(frame.runID, in: bytes)
                if let seq = sequence.value, seq > 0 {
                    var track = runs.value(for: run) ?? RunTrack()
                    // Within one stream a run's seq only grows: anything else is a replay.
                    let last = isAgent ? track.lastAgentSeq : track.lastChatSeq
                    if seq <= last {
                        counters.duplicates.increment()
                        return
                    }
                    // Agent and chat events share the run's numbering: a jump past every
                    // number seen means frames were missed.
                    if track.highestSeq > 0 && seq > track.highestSeq + 1, frame.sessionKey.kind == .string {
                        let sessionKey = bytes.decodedString(frame.sessionKey)
                        counters.gaps.increment()
                        logger.debug("run seq gap; re-reading history", metadata: [
                            GatewayLogKey.sessionKey: "\(sessionKey)", GatewayLogKey.reason: "expected \(track.highestSeq + 1), got \(seq)",
                        ])
                        markResync(sessionKey, .gap)
                    }
                    if isAgent { track.lastAgentSeq = seq } else { track.lastChatSeq = seq }
                    track.highestSeq = max(track.highestSeq, seq)
                    runs.set(track, for: run)
                }
                if !isAgent, bytes.string(frame.state, equals: "final") {
                    if deliveredRuns.contains(run) {
                        counters.duplicates.increment()
                        return
                    }
                    deliveredRuns.insert(run)
                }
            }
        } else if bytes.string(frame.event, equals: "session.message") {
            if frame.messageID.kind == .string {
                let messageKey = IdentityHash.of(frame.messageID, in: bytes)
                if deliveredMessages.contains(messageKey) {
                    counters.duplicates.increment()
                    return
                }
                deliveredMessages.insert(messageKey)
            } else if let decoded = OpaqueJSON.decode(message), let payload = decoded["payload"],
                      let sessionKey = payload["sessionKey"]?.stringValue, let transcript = payload["message"] {
                // No id to remember it by (off the hot path: one per committed message).
                let contentKey = Self.contentKey(sessionKey: sessionKey, message: transcript)
                if deliveredContents.contains(contentKey) {
                    counters.duplicates.increment()
                    return
                }
                deliveredContents.insert(contentKey)
            }
            if frame.runID.kind == .string { deliveredRuns.insert(IdentityHash.of(frame.runID, in: bytes)) }
        } else if bytes.string(frame.event, equals: "sessions.changed") {
            if frame.sessionKey.kind == .string { follow(bytes.decodedString(frame.sessionKey)) }
        } else if bytes.string(frame.event, equals: "shutdown") {
            logger.info("gateway announced shutdown; will re-read history after reconnecting")
            for key in knownSessions { resyncReasons[key] = .shutdown }
        }
        deliver(message, frame, .live)
    }

    /// The identity of a transcript message without an id: its session, role, time and
    /// text, which a live `session.message` and its `chat.history` row share.
    static func contentKey(sessionKey: String, message: OpaqueJSON) -> UInt64 {
        var text = ""
        switch message["content"] {
        case let .string(value)?: text = value
        case let .array(parts)?: text = parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: break
        }
        let role = message["role"]?.stringValue ?? ""
        let time = message["timestamp"]?.integerValue.map(String.init) ?? ""
        return IdentityHash.of(sessionKey + "\u{1}" + role + "\u{1}" + time + "\u{1}" + text)
    }

    func follow(_ sessionKey: String) {
        guard isGoverned(sessionKey) else { return }
        knownSessions.insert(sessionKey)
        guard !subscribedSessions.contains(sessionKey) else { return }
        subscribedSessions.insert(sessionKey)
        sendRequest("sessions.messages.subscribe", params: .object(["key": .string(sessionKey)]), for: .messagesSubscribe(sessionKey))
    }

    func markResync(_ sessionKey: String, _ reason: GatewayDelivery.ResyncReason) {
        resyncReasons[sessionKey] = reason
        requestHistory(of: sessionKey)
    }

    func requestHistory(of sessionKey: String) {
        guard case .ready = phase, !historyInFlight.contains(sessionKey),
              let reason = resyncReasons.removeValue(forKey: sessionKey) else { return }
        historyInFlight.insert(sessionKey)
        counters.resyncs.increment()
        sendRequest("chat.history", params: .object([
            "sessionKey": .string(sessionKey), "limit": .integer(Int64(configuration.historyLimit)),
        ]), for: .history(sessionKey, reason))
    }

    // MARK: Responses

    func handleResponse(_ message: UnsafeRawBufferPointer, _ frame: ScannedFrame) {
        guard frame.id.kind == .string,
              let purpose = pending.removeValue(forKey: FrameBytes(message).decodedString(frame.id)) else { return }
        guard frame.ok.kind == .true else {
            counters.rpcFailures.increment()
            let error = (try? ResponseFrame<OpaqueJSON>.decode(message))?.error
            logger.warning("gateway RPC failed", metadata: [
                GatewayLogKey.error: "\(error?.code ?? "?")/\(error?.details?.code ?? "-"): \(error?.message ?? "undecodable")",
            ])
            switch purpose {
            case let .history(key, _):
                historyInFlight.remove(key)
                finishRestartResync(of: key)
            case .sessionsList:
                // The sessions the store names are still re-read after a restart.
                beginRestartResync(listed: [])
                for key in resyncReasons.keys.sorted() { requestHistory(of: key) }
            case .sessionsSubscribe, .messagesSubscribe:
                break
            }
            return
        }
        switch purpose {
        case .sessionsSubscribe, .messagesSubscribe:
            break
        case .sessionsList:
            let payload = (try? ResponseFrame<OpaqueJSON>.decode(message))?.payload
            var listed: [String] = []
            for row in payload?["sessions"]?.arrayValue ?? [] {
                if let key = row["key"]?.stringValue ?? row["sessionKey"]?.stringValue {
                    follow(key)
                    listed.append(key)
                }
            }
            beginRestartResync(listed: listed)
            // In key order, not the dictionary's: the same answer order on every run.
            for key in resyncReasons.keys.sorted() { requestHistory(of: key) }
        case let .history(key, reason):
            historyInFlight.remove(key)
            let payload = (try? ResponseFrame<OpaqueJSON>.decode(message))?.payload
            replayHistory(payload, of: key, reason: reason)
            finishRestartResync(of: key)
            if resyncReasons[key] != nil { requestHistory(of: key) }
        }
    }

    // MARK: Restart resync

    /// Once, at the first `sessions.list` answer after the daemon started: marks for a
    /// `.restart` resync every governed session that was active before the stop, and every
    /// listed session of a conversation that was (an agent may have first answered while
    /// the daemon was down).
    func beginRestartResync(listed: [String]) {
        guard let plan = restartPlan else { return }
        restartPlan = nil
        let keys = Set(listed).union(plan.sessions.keys).sorted()
        for key in keys where isGoverned(key) {
            guard let boundary = plan.boundary(of: key) else { continue }
            follow(key)
            restartBoundaries[key] = boundary
            restartAwaiting.insert(key)
            resyncReasons[key] = .restart
            counters.restartResyncs.increment()
        }
        logger.notice("re-reading the history of the sessions active before the stop", metadata: [
            GatewayLogKey.sessions: "\(restartAwaiting.count)",
        ])
    }

    /// A restart history answered (or failed): when none is left, the held rows go on.
    func finishRestartResync(of sessionKey: String) {
        guard restartAwaiting.remove(sessionKey) != nil, restartAwaiting.isEmpty else { return }
        flushRestartBatch()
    }

    /// Hands on the rows held for the restart resync, oldest first, then the live messages
    /// that arrived meanwhile, in arrival order.
    func flushRestartBatch() {
        let rows = restartBatch.sorted { ($0.at, $0.order) < ($1.at, $1.order) }
        let live = restartHeldLive
        restartBatch.removeAll()
        restartHeldLive.removeAll()
        for row in rows {
            withScanned(row.frame) { handOn($0, $1, row.delivery) }
        }
        for held in live {
            held.bytes.withUnsafeBytes { handOn($0, held.frame, .live) }
        }
    }

    /// Hands the history rows not yet delivered to the sink as `session.message` frames.
    /// After a restart, the rows judged before the stop are left out first, and the rest wait
    /// in `restartBatch` until every restart history has answered.
    func replayHistory(_ payload: OpaqueJSON?, of sessionKey: String, reason: GatewayDelivery.ResyncReason) {
        var rows = payload?["messages"]?.arrayValue ?? []
        if let boundary = restartBoundaries[sessionKey] {
            let first = boundary.firstUnjudgedIndex(of: rows)
            counters.restartJudgedRows.increment(by: first)
            rows.removeFirst(first)
        }
        let isHeld = restartAwaiting.contains(sessionKey)
        var rowTime = Int64.min
        for row in rows {
            let meta = row["__openclaw"]
            let messageID = meta?["id"]?.stringValue ?? row["id"]?.stringValue
            let runID = meta?["runId"]?.stringValue ?? row["runId"]?.stringValue
            let contentKey = Self.contentKey(sessionKey: sessionKey, message: row)
            if let messageID, deliveredMessages.contains(IdentityHash.of(messageID)) {
                counters.resyncDuplicates.increment()
                continue
            }
            if let runID, deliveredRuns.contains(IdentityHash.of(runID)) {
                counters.resyncDuplicates.increment()
                continue
            }
            if deliveredContents.contains(contentKey) {
                counters.resyncDuplicates.increment()
                continue
            }
            deliveredContents.insert(contentKey)
            var eventPayload: [String: OpaqueJSON] = ["sessionKey": .string(sessionKey), "message": row]
            if let messageID { eventPayload["messageId"] = .string(messageID); deliveredMessages.insert(IdentityHash.of(messageID)) }
            if let runID { eventPayload["runId"] = .string(runID); deliveredRuns.insert(IdentityHash.of(runID)) }
            if let agentID = row["agentId"]?.stringValue ?? payload?["agentId"]?.stringValue {
                eventPayload["agentId"] = .string(agentID)
            }
            let frame = OpaqueJSON.object([
                "type": .string("event"), "event": .string("session.message"), "payload": .object(eventPayload),
            ]).encoded()
            counters.resyncMessages.increment()
            let delivery = GatewayDelivery(origin: .resync(reason), sessionKey: sessionKey, runID: runID, messageID: messageID)
            guard isHeld else {
                withScanned(frame) { deliver($0, $1, delivery) }
                continue
            }
            rowTime = RestartResync.timestamp(of: row) ?? rowTime
            restartBatch.append(RestartRow(at: rowTime, order: restartBatch.count, frame: frame, delivery: delivery))
            if restartBatch.count >= Self.restartBatchCapacity { flushRestartBatch() }
        }
    }
}
