import Governance

/// Turns one OpenClaw gateway frame (protocol v3 or v4) or one legacy `session_update` frame
/// into a `GovernanceEvent`, in one validating pass (`FrameScanner`) with no allocation for
/// frames that end up as `.streamDelta`, `.tick` or most `.ignored`.
///
/// Event time: the payload's own time (`payload.ts`; for chat and session messages
/// `message.timestamp`, else the frame's or payload's `ts`), else `receivedAt`.
///
/// Owned by one reader (the gateway service thread, a capture reader): a struct with
/// mutating methods, not shared between threads. Its scratch buffer is reused across frames.
package struct FrameNormalizer {
    /// Frames longer than this are refused (`FrameError.Code.oversized`). The default is the
    /// gateway's documented `policy.maxPayload` (25 MiB).
    package var maximumFrameBytes: Int
    /// What was seen and refused.
    package private(set) var counters = NormalizerCounters()
    /// Reused for message texts assembled from content parts.
    private var textScratch: [UInt8] = []

    package init(maximumFrameBytes: Int = 26_214_400) {
        precondition(maximumFrameBytes > 0 && maximumFrameBytes < Int(Int32.max), "frame cap out of range")
        self.maximumFrameBytes = maximumFrameBytes
        textScratch.reserveCapacity(4096)
    }

    /// Normalizes one frame.
    ///
    /// - Parameters:
    ///   - bytes: one complete (reassembled) text frame.
    ///   - receivedAt: the event time to use when the frame carries none (ms since the epoch).
    /// - Returns: the event; `.ignored` for frames the engine has no use for.
    /// - Throws: `FrameError` for oversized or malformed frames and for frames whose required
    ///   fields are missing or mistyped; each is counted.
    package mutating func normalize(_ bytes: UnsafeRawBufferPointer, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        counters.framesIn &+= 1
        guard bytes.count <= maximumFrameBytes else {
            counters.oversized &+= 1
            throw FrameError(.oversized, at: maximumFrameBytes)
        }
        let frame: ScannedFrame
        do {
            frame = try FrameScanner.scan(bytes)
        } catch {
            counters.malformed &+= 1
            throw error
        }
        return try normalizeScanned(frame, in: bytes, receivedAt: receivedAt)
    }

    /// `normalize(_:receivedAt:)` for an array of bytes or a string's UTF-8.
    package mutating func normalize(_ bytes: some Collection<UInt8>, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        if let result = bytes.withContiguousStorageIfAvailable({ buffer -> Result<GovernanceEvent, FrameError> in
            do throws(FrameError) {
                return .success(try normalize(UnsafeRawBufferPointer(buffer), receivedAt: receivedAt))
            } catch {
                return .failure(error)
            }
        }) {
            return try result.get()
        }
        let copy = Array(bytes)
        return try normalize(copy, receivedAt: receivedAt)
    }

    /// Which time an event gets.
    package enum EventTime: Sendable {
        /// The payload's own time, else the receive time.
        case payload
        /// Always the receive time (a capture wrapper's `at`, authoritative for ordering).
        case received
    }

    /// Normalizes a frame already scanned (by the gateway client, or by the capture reader
    /// with its wrapper), counting it as one frame in.
    ///
    /// - Parameters:
    ///   - bytes: the bytes `frame` was scanned from; refused as oversized past `maximumFrameBytes`.
    ///   - time: `.received` makes `receivedAt` the event time whatever the payload says.
    @inline(__always)
    package mutating func normalize(
        scanned frame: borrowing ScannedFrame, in bytes: UnsafeRawBufferPointer, receivedAt: Int64,
        time: EventTime = .payload
    ) throws(FrameError) -> GovernanceEvent {
        counters.framesIn &+= 1
        guard bytes.count <= maximumFrameBytes else {
            counters.oversized &+= 1
            throw FrameError(.oversized, at: maximumFrameBytes)
        }
        var event = try normalizeScanned(frame, in: bytes, receivedAt: receivedAt)
        if case .received = time { event.at = receivedAt }
        return event
    }

    /// Counts a frame refused before it reached the normalizer (by the capture reader's
    /// line cap or scanner), so the counters cover every frame.
    package mutating func countRefused(_ error: FrameError) {
        counters.framesIn &+= 1
        if error.code == .oversized { counters.oversized &+= 1 } else { counters.malformed &+= 1 }
    }

    @inline(__always)
    private mutating func normalizeScanned(
        _ frame: borrowing ScannedFrame, in bytes: UnsafeRawBufferPointer, receivedAt: Int64
    ) throws(FrameError) -> GovernanceEvent {
        let event: GovernanceEvent
        do {
            event = try makeEvent(frame, FrameBytes(bytes), receivedAt: receivedAt)
        } catch {
            counters.malformed &+= 1
            throw error
        }
        counters.count(event.kind)
        return event
    }

    // MARK: Dispatch

    private mutating func makeEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        if bytes.string(frame.type, equals: "event") {
            let name = frame.event
            guard name.kind == .string else { throw fieldError(name, "event") }
            if bytes.string(name, equals: "agent") {
                return try agentEvent(frame, bytes, receivedAt: receivedAt)
            } else if bytes.string(name, equals: "chat") {
                return try chatEvent(frame, bytes, receivedAt: receivedAt)
            } else if bytes.string(name, equals: "tick") {
                return GovernanceEvent(at: try time(frame.payloadTS, bytes, "payload.ts") ?? receivedAt, kind: .tick)
            } else if bytes.string(name, equals: "session.message") {
                return try sessionMessageEvent(frame, bytes, receivedAt: receivedAt)
            } else if bytes.string(name, equals: "session.tool") {
                return try toolEvent(frame, bytes, at: try payloadTime(frame, bytes) ?? receivedAt)
            } else if bytes.string(name, equals: "sessions.changed") {
                return try sessionsChangedEvent(frame, bytes, receivedAt: receivedAt)
            } else if bytes.string(name, equals: "shutdown") {
                return GovernanceEvent(at: receivedAt, kind: .shutdown)
            }
            return GovernanceEvent(at: receivedAt, kind: .ignored)
        }
        if bytes.string(frame.type, equals: "session_update") {
            return try legacyEvent(frame, bytes, receivedAt: receivedAt)
        }
        guard frame.type.kind == .string else { throw fieldError(frame.type, "type") }
        return GovernanceEvent(at: receivedAt, kind: .ignored)  // res, req, cancel, …
    }

    // MARK: agent

    private mutating func agentEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        try requirePayload(frame)
        let stream = frame.stream
        guard stream.kind == .string else { throw fieldError(stream, "payload.stream") }
        let at = try time(frame.payloadTS, bytes, "payload.ts") ?? receivedAt
        // Most agent frames are assistant deltas: test that first, touching nothing else.
        if bytes.string(stream, equals: "assistant") || bytes.string(stream, equals: "thinking")
            || bytes.string(stream, equals: "item") || bytes.string(stream, equals: "plan")
            || bytes.string(stream, equals: "usage")
        {
            return GovernanceEvent(at: at, kind: .streamDelta)
        }
        if bytes.string(stream, equals: "tool") {
            return try toolEvent(frame, bytes, at: at)
        }
        guard bytes.string(stream, equals: "lifecycle") else { return GovernanceEvent(at: at, kind: .ignored) }
        try requireData(frame)
        let phase = frame.phase
        let isStart = bytes.string(phase, equals: "start")
        let isEnd = !isStart && bytes.string(phase, equals: "end")
        let isError = !isStart && !isEnd && bytes.string(phase, equals: "error")
        guard isStart || isEnd || isError else {
            guard phase.kind == .string else { throw fieldError(phase, "payload.data.phase") }
            return GovernanceEvent(at: at, kind: .ignored)
        }
        guard let session = try session(frame, bytes) else { return ignoredWithoutAgent(at: at) }
        let runID = try requiredString(frame.runID, bytes, "payload.runId")
        if isStart {
            let isHeartbeat = try bool(frame.isHeartbeat, "payload.isHeartbeat") ?? false
            return GovernanceEvent(at: at, kind: .runStarted(RunStart(session: session, runID: runID, isHeartbeat: isHeartbeat)))
        }
        return GovernanceEvent(at: at, kind: .runEnded(RunEnd(session: session, runID: runID, isAborted: isError)))
    }

    /// The agent `tool` stream and `session.tool`: a call on phase `start`, else a delta.
    private mutating func toolEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, at: Int64) throws(FrameError) -> GovernanceEvent {
        try requirePayload(frame)
        try requireData(frame)
        guard bytes.string(frame.phase, equals: "start") else {
            guard frame.phase.kind == .string else { throw fieldError(frame.phase, "payload.data.phase") }
            return GovernanceEvent(at: at, kind: .streamDelta)
        }
        guard let session = try session(frame, bytes) else { return ignoredWithoutAgent(at: at) }
        let name = try requiredString(frame.name, bytes, "payload.data.name")
        let call = ToolCall(
            session: session,
            runID: try optionalString(frame.runID, bytes, "payload.runId"),
            toolCallID: try optionalString(frame.toolCallID, bytes, "payload.data.toolCallId"),
            name: name,
            command: frame.command.kind == .string ? bytes.decodedString(frame.command) : ""
        )
        return GovernanceEvent(at: at, kind: .toolCall(call))
    }

    // MARK: chat

    private mutating func chatEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        try requirePayload(frame)
        let state = frame.state
        if bytes.string(state, equals: "delta") {
            return GovernanceEvent(at: try payloadTime(frame, bytes) ?? receivedAt, kind: .streamDelta)
        }
        guard state.kind == .string else { throw fieldError(state, "payload.state") }
        let at = try messageTime(frame, bytes) ?? receivedAt
        if bytes.string(state, equals: "final") {
            let text = try messageText(frame, bytes)
            guard !text.isEmpty else { return GovernanceEvent(at: at, kind: .ignored) }  // a silent reply
            guard let session = try session(frame, bytes) else { return ignoredWithoutAgent(at: at) }
            let runID = try optionalString(frame.runID, bytes, "payload.runId")
            return GovernanceEvent(at: at, kind: .response(Response(session: session, runID: runID, text: text, source: .chatFinal)))
        }
        if bytes.string(state, equals: "aborted") || bytes.string(state, equals: "error") {
            guard let session = try session(frame, bytes) else { return ignoredWithoutAgent(at: at) }
            let runID = try requiredString(frame.runID, bytes, "payload.runId")
            return GovernanceEvent(at: at, kind: .runEnded(RunEnd(session: session, runID: runID, isAborted: true)))
        }
        return GovernanceEvent(at: at, kind: .ignored)
    }

    // MARK: session.*

    private mutating func sessionMessageEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        try requirePayload(frame)
        let at = try messageTime(frame, bytes) ?? receivedAt
        let role = frame.role
        let isAssistant = bytes.string(role, equals: "assistant")
        let isUser = !isAssistant && bytes.string(role, equals: "user")
        guard isAssistant || isUser else {
            guard role.kind == .string || role.kind == .absent else { throw fieldError(role, "payload.message.role") }
            return GovernanceEvent(at: at, kind: .ignored)
        }
        if isUser, bytes.string(frame.provenanceKind, equals: "inter_session") {
            return GovernanceEvent(at: at, kind: .ignored)
        }
        let text = try messageText(frame, bytes)
        if isUser, text.hasPrefix("[Inter-session message") { return GovernanceEvent(at: at, kind: .ignored) }
        if isAssistant, text.isEmpty { return GovernanceEvent(at: at, kind: .ignored) }
        guard let session = try session(frame, bytes) else { return ignoredWithoutAgent(at: at) }
        if isUser {
            return GovernanceEvent(at: at, kind: .operatorMessage(OperatorMessage(session: session, text: text)))
        }
        let runID = try optionalString(frame.runID, bytes, "payload.runId")
        return GovernanceEvent(at: at, kind: .response(Response(session: session, runID: runID, text: text, source: .sessionMessage)))
    }

    private mutating func sessionsChangedEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        let at = try payloadTime(frame, bytes) ?? receivedAt
        guard frame.sessionKey.isPresent else { return GovernanceEvent(at: at, kind: .sessionsChanged(nil)) }
        guard let session = try session(frame, bytes) else { return ignoredWithoutAgent(at: at) }
        return GovernanceEvent(at: at, kind: .sessionsChanged(session))
    }

    // MARK: legacy

    /// The seed's `{"type":"session_update","session_id":S,"agent":A[,"text":T][,"ts":ms]}`.
    private mutating func legacyEvent(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes, receivedAt: Int64) throws(FrameError) -> GovernanceEvent {
        let sessionID = try requiredString(frame.sessionID, bytes, "session_id")
        let agent = try requiredString(frame.agent, bytes, "agent")
        guard !sessionID.isEmpty else { throw FrameError(.badValue, at: Int(frame.sessionID.start), field: "session_id") }
        guard !agent.isEmpty else { throw FrameError(.badValue, at: Int(frame.agent.start), field: "agent") }
        let text = try optionalString(frame.text, bytes, "text") ?? ""
        let at = try time(frame.ts, bytes, "ts") ?? receivedAt
        let session = SessionRef(sessionKey: sessionID, agentID: agent, conversation: sessionID)
        return GovernanceEvent(at: at, kind: .response(Response(session: session, runID: nil, text: text, source: .legacy)))
    }

    // MARK: Fields

    @inline(__always)
    private mutating func ignoredWithoutAgent(at: Int64) -> GovernanceEvent {
        counters.withoutAgent &+= 1
        return GovernanceEvent(at: at, kind: .ignored)
    }

    @inline(__always)
    private func requirePayload(_ frame: borrowing ScannedFrame) throws(FrameError) {
        guard frame.payload.kind == .object else { throw fieldError(frame.payload, "payload") }
    }

    /// Checks that `payload.data` is an object.
    @inline(__always)
    private func requireData(_ frame: borrowing ScannedFrame) throws(FrameError) {
        guard frame.payloadData.kind == .object else { throw fieldError(frame.payloadData, "payload.data") }
    }

    /// The speaker: `payload.agentId` else the session key's agent; nil (not an error) when
    /// the key names no agent, as `cron:…` keys do.
    private func session(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes) throws(FrameError) -> SessionRef? {
        guard let key = try optionalString(frame.sessionKey, bytes, "payload.sessionKey") else { return nil }
        let agentID = try optionalString(frame.agentID, bytes, "payload.agentId")
        return SessionRef(sessionKey: key, agentID: agentID.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The event time of chat and session messages: `message.timestamp`, else `payload.ts`,
    /// else the frame's `ts`.
    private mutating func messageTime(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes) throws(FrameError) -> Int64? {
        if let at = try time(frame.messageTimestamp, bytes, "payload.message.timestamp") { return at }
        return try payloadTime(frame, bytes)
    }

    @inline(__always)
    private mutating func payloadTime(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes) throws(FrameError) -> Int64? {
        if let at = try time(frame.payloadTS, bytes, "payload.ts") { return at }
        return try time(frame.ts, bytes, "ts")
    }

    /// A time field: ms as a number, or an ISO-8601 string; nil when absent or null.
    ///
    /// - Throws: `FrameError.Code.outOfRange` (counted in `rejectedValues`) for a number
    ///   outside `GovernanceEvent.validTimes`, so no event time can overflow what the engine
    ///   and the store derive from it.
    @inline(__always)
    private mutating func time(_ span: FrameSpan, _ bytes: FrameBytes, _ field: String) throws(FrameError) -> Int64? {
        switch span.kind {
        case .absent, .null: return nil
        case .number:
            guard let value = bytes.int64(span), GovernanceEvent.validTimes.contains(value) else {
                counters.rejectedValues &+= 1
                throw FrameError(.outOfRange, at: Int(span.start), field: field)
            }
            return value
        case .string:
            guard let value = LedgerTimestamp.milliseconds(from: bytes.decodedString(span)) else {
                throw FrameError(.badValue, at: Int(span.start))
            }
            return value
        default:
            throw FrameError(.wrongType, at: Int(span.start))
        }
    }

    /// The text of `payload.message`: `content` as a string, or its text parts concatenated.
    private mutating func messageText(_ frame: borrowing ScannedFrame, _ bytes: FrameBytes) throws(FrameError) -> String {
        let content = frame.content
        switch content.kind {
        case .string: return bytes.decodedString(content)
        case .array:
            textScratch.removeAll(keepingCapacity: true)
            FrameScanner.forEachTextPart(in: bytes.bytes, content: content) { part in
                bytes.appendString(part, to: &textScratch)
            }
            return String(decoding: textScratch, as: UTF8.self)
        case .absent, .null: return ""
        default: throw FrameError(.wrongType, at: Int(content.start), field: "payload.message.content")
        }
    }

    private func requiredString(_ span: FrameSpan, _ bytes: FrameBytes, _ field: String) throws(FrameError) -> String {
        guard span.kind == .string else { throw fieldError(span, field) }
        return bytes.decodedString(span)
    }

    private func optionalString(_ span: FrameSpan, _ bytes: FrameBytes, _ field: String) throws(FrameError) -> String? {
        switch span.kind {
        case .absent, .null: return nil
        case .string: return bytes.decodedString(span)
        default: throw FrameError(.wrongType, at: Int(span.start), field: field)
        }
    }

    private func bool(_ span: FrameSpan, _ field: String) throws(FrameError) -> Bool? {
        switch span.kind {
        case .absent, .null: return nil
        case .true: return true
        case .false: return false
        default: throw FrameError(.wrongType, at: Int(span.start), field: field)
        }
    }

    /// `missingField` for an absent or null field, `wrongType` otherwise.
    private func fieldError(_ span: FrameSpan, _ field: String) -> FrameError {
        span.isPresent
            ? FrameError(.wrongType, at: Int(span.start), field: field)
            : FrameError(.missingField, at: 0, field: field)
    }
}
