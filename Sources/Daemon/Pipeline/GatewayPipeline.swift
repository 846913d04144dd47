import AuditStore
import Gateway
import Governance
import Logging
import Runtime
import Synchronization
import WireFormats

/// The daemon's path for gateway input: each message the client delivers is normalized,
/// judged by the engine and handed to the audit writer; violations are printed only once
/// the writer says they are durable.
///
/// `Sendable`: all mutable state (normalizer, engine, pending violations) lives in one
/// mutex. The gateway client calls `receive` on its service thread; `inject` (ledger and
/// state events, the demo's player) may come from another thread; the lock orders them.
package final class GatewayPipeline: GatewaySink {
    private struct State {
        var normalizer = FrameNormalizer()
        var engine: GovernanceEngine
        var found: [Violation] = []
        /// Event time for frames that carry none; nil means the wall clock (live).
        var receiveTime: Int64?
        var delivered = 0
        var refused = 0
        var resynced = 0
        var hasLoggedRefusal = false
        var hasBeenReady = false
        var hasWarnedLedgerUnreadable = false
        /// The gateway status last reported, shown again when the ledger's readability
        /// changes (the status line carries it too).
        var lastStatus: GatewayStatus?
        /// Where every input is recorded for replay (`run --capture`), if anywhere.
        var capture: CaptureRecorder?
    }

    private let state: Mutex<State>
    package let writer: AuditWriter
    package let logger: Logger
    /// Told of each violation as it is handed to the writer, with the event time of the
    /// event that revealed it (the bench's latency stage). Called under the pipeline lock.
    package let onFound: (@Sendable (Violation, Int64) -> Void)?
    /// Told of each gateway status change (the daemon stops on a fatal rejection).
    package let onStatus: (@Sendable (GatewayStatus) -> Void)?
    /// Rung after each message received and each status change.
    package let progress = PipelineProgress()

    /// - Parameters:
    ///   - engine: the engine, with its policy and initial governance state.
    ///   - writer: the audit store's writer; records go there in event order.
    ///   - onFound: see `onFound`.
    ///   - onStatus: see `onStatus`.
    ///   - capture: records every input in the replay format, with the event time judged.
    package init(
        engine: GovernanceEngine, writer: AuditWriter, logger: Logger, capture: sending CaptureRecorder? = nil,
        onFound: (@Sendable (Violation, Int64) -> Void)? = nil, onStatus: (@Sendable (GatewayStatus) -> Void)? = nil
    ) {
        var engine = engine
        engine.collectsLateAudits = true
        self.state = Mutex(State(engine: engine, capture: capture))
        self.writer = writer
        self.logger = logger
        self.onFound = onFound
        self.onStatus = onStatus
    }

    /// Records a daemon lifecycle fact (start, stop, reconnect, drop) in the store's ledger.
    package func recordDaemonEvent(_ kind: DaemonEvent.Kind, detail: String) {
        state.withLock { state in
            _ = writer.enqueue(.daemon(DaemonEvent(at: WallClock.milliseconds(), kind: kind, detail: detail, state: state.engine.state)))
        }
    }

    /// Sets the event time used for frames without their own (the demo replays capture
    /// times); nil returns to the wall clock.
    package func setReceiveTime(_ time: Int64?) {
        state.withLock { $0.receiveTime = time }
    }

    /// Messages judged so far (live and resync), and frames refused by the normalizer.
    package var counts: (delivered: Int, refused: Int, resynced: Int) {
        state.withLock { ($0.delivered, $0.refused, $0.resynced) }
    }

    /// The normalizer's counters (frames in, malformed, oversized, by kind).
    package var normalizerCounters: NormalizerCounters { state.withLock { $0.normalizer.counters } }

    /// False while another thread holds the pipeline (judging); for the systemd watchdog,
    /// which skips a ping rather than wait.
    package var isResponsive: Bool { state.withLockIfAvailable { _ in true } ?? false }

    /// Whether the engine was last told the MO§ES ledger can be read.
    package var isLedgerReadable: Bool { state.withLock { $0.engine.isLedgerReadable } }

    /// The engine's counters (events, responses, violations by rule).
    package var engineCounters: EngineCounters { state.withLock { $0.engine.counters } }

    package func receive(_ frame: ScannedFrame, in message: UnsafeRawBufferPointer, delivery: GatewayDelivery) {
        defer { progress.ring() }
        state.withLock { state in
            state.delivered += 1
            if case .resync = delivery.origin { state.resynced += 1 }
            let event: GovernanceEvent
            let receivedAt = state.receiveTime ?? WallClock.milliseconds()
            do {
                event = try state.normalizer.normalize(scanned: frame, in: message, receivedAt: receivedAt)
            } catch {
                if state.capture != nil { state.capture?.append(.gateway, at: receivedAt, data: Array(message)) }
                state.refused += 1
                if !state.hasLoggedRefusal {
                    state.hasLoggedRefusal = true
                    logger.warning("gateway frame refused by the normalizer (first; the rest only counted)", metadata: ["error": "\(error)"])
                }
                return
            }
            // Recorded with the time judged, so a replay of the capture judges alike.
            // (Copied: the region checker will not let the borrowed buffer into the lock's state.)
            if state.capture != nil { state.capture?.append(.gateway, at: event.at, data: Array(message)) }
            judge(event, in: &state)
        }
    }

    /// Judges an event from another source (ledger tail, state watch, demo player).
    ///
    /// - Parameter captured: the input's bytes and source, for `run --capture`.
    package func inject(_ event: GovernanceEvent, captured: (source: CaptureWriter.Source, data: [UInt8])? = nil) {
        state.withLock { state in
            if let captured { state.capture?.append(captured.source, at: event.at, data: captured.data) }
            judge(event, in: &state)
        }
    }

    /// Tells the engine whether the MO§ES ledger can be read from now on (recorded in the
    /// capture, so a replay holds the same audits unverifiable); warns the first time it cannot.
    ///
    /// - Parameter ledgerPath: the ledger waited for; nil when none can help (none configured, legacy).
    package func setLedgerReadable(_ isReadable: Bool, ledgerPath: String?) {
        let at = WallClock.milliseconds()
        let (isFirstWarning, statusToShowAgain) = state.withLock { state in
            let wasReadable = state.engine.isLedgerReadable
            state.capture?.append(.ledgerReadable, at: at, data: CaptureWriter.ledgerReadableData(isReadable))
            judge(GovernanceEvent(at: at, kind: .ledgerReadable(isReadable)), in: &state)
            defer { if !isReadable { state.hasWarnedLedgerUnreadable = true } }
            return (!isReadable && !state.hasWarnedLedgerUnreadable, wasReadable == isReadable ? nil : state.lastStatus)
        }
        if let statusToShowAgain { onStatus?(statusToShowAgain) }
        if isFirstWarning {
            logger.warning(
                "MO§ES ledger not readable: audit_before_response verdicts are held as unverifiable (counted in moses_engine_audits_unverifiable_total) until it is",
                metadata: ["ledger.path": "\(ledgerPath ?? "none (no ledger configured, or a legacy stream)")"])
        } else if isReadable {
            logger.notice("MO§ES ledger readable: audit_before_response judging resumes", metadata: ["ledger.path": "\(ledgerPath ?? "")"])
        }
    }

    /// Links the next MO§ES ledger line to the ledger's existing last line (see
    /// `GovernanceEngine.seedLedgerChain(tip:)`).
    package func seedLedgerChain(tip hash: String) {
        state.withLock { $0.engine.seedLedgerChain(tip: hash) }
    }

    /// Resumes what the store recorded before the last stop: the open cycles (see
    /// `GovernanceEngine.resumeCycle(ofConversation:cyclePosition:lastSeen:)`), then each
    /// session's last judged response.
    package func resume(_ activity: JudgedActivity) {
        state.withLock { state in
            for conversation in activity.conversations {
                state.engine.resumeCycle(
                    ofConversation: conversation.conversation, cyclePosition: conversation.cyclePosition,
                    lastSeen: conversation.lastSeen)
            }
            for session in activity.sessions.values {
                guard let ref = SessionRef(sessionKey: session.sessionKey) else { continue }
                state.engine.resumeLastResponse(of: ref, at: session.lastResponseAt)
            }
        }
    }

    /// Judges from now on with `policy` (a configuration reload); conversation state stays.
    package func setPolicy(_ policy: Policy) {
        state.withLock { $0.engine.policy = policy }
    }

    /// Ends judging (open cycles are closed) and commits what is left.
    package func finish() throws {
        state.withLock { state in
            state.engine.finish(into: &state.found)
            for audited in state.engine.takeLateAudits() { _ = writer.enqueue(.responseAudited(audited)) }
            enqueueFound(&state, revealedAt: nil)
            state.capture?.flush()
            var counters = CountersSnapshot(at: WallClock.milliseconds(), engine: state.engine.counters)
            counters.values += state.normalizer.counters.metrics.filter { $0.name.hasSuffix("_rejected_values_total") }
            _ = writer.enqueue(.counters(counters))
        }
        try writer.flush()
    }

    package func statusChanged(_ status: GatewayStatus) {
        state.withLock { $0.lastStatus = status }
        if case let .ready(version, _) = status {
            let isReconnect = state.withLock { state in
                defer { state.hasBeenReady = true }
                return state.hasBeenReady
            }
            if isReconnect { recordDaemonEvent(.reconnect, detail: "gateway connection re-established (protocol \(version))") }
        }
        onStatus?(status)
        progress.ring()
        switch status {
        case .ready, .stopped: logger.notice("gateway status", metadata: ["gateway.status": "\(status)"])
        // The client logs each failed attempt with its reason, once.
        case .waiting, .connecting: logger.debug("gateway status", metadata: ["gateway.status": "\(status)"])
        }
    }

    private func judge(_ event: GovernanceEvent, in state: inout State) {
        let disposition = state.engine.process(event, into: &state.found)
        for record in AuditRecord.observations(of: event, disposition: disposition, engine: state.engine) {
            _ = writer.enqueue(record)
        }
        for audited in state.engine.takeLateAudits() { _ = writer.enqueue(.responseAudited(audited)) }
        enqueueFound(&state, revealedAt: event.at)
    }

    private func enqueueFound(_ state: inout State, revealedAt: Int64?) {
        for violation in state.found {
            if let onFound, let revealedAt { onFound(violation, revealedAt) }
            _ = writer.enqueue(.violation(violation))
        }
        state.found.removeAll(keepingCapacity: true)
    }
}
