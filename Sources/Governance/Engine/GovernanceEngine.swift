/// The governance engine: judges a stream of normalized events and emits violations.
///
/// Deterministic: time comes only from the events, so the same inputs always give the same
/// violations (a replayed capture gives what the live run gave). It keeps bounded state per
/// conversation, evicts conversations idle for `Policy.conversationIdleMs` of event time,
/// and does O(1) amortized work per event.
///
/// A value type with no locks: owned by one thread or task at a time.
package struct GovernanceEngine: Sendable {
    package var policy: Policy
    package private(set) var state: GovernanceState
    package private(set) var counters = EngineCounters()
    /// The stream's clock: the latest event time seen.
    package private(set) var clock: Int64 = .min

    /// Where each remembered conversation's state is in `states`. The states are kept apart,
    /// densely: a dictionary keeps a quarter or more of its buckets free, and at 88 bytes a
    /// state, those free buckets cost more than the states (100,000 conversations must fit
    /// in 64 MB).
    private var stateIndex: [String: Int32] = [:]
    private var states: [ConversationState] = []
    /// Indices in `states` freed by eviction, reused before `states` grows.
    private var freeStates: [Int32] = []
    /// One entry per conversation: when to look at it again for idleness.
    private var evictionChecks = FIFO<(conversation: String, checkAt: Int64)>()
    /// Responses waiting for their ledger append, in deadline order.
    private var pendingAudits = FIFO<PendingAudit>()
    private var ledger = LedgerIndex()
    /// The hash of the last MO§ES ledger entry seen, for the chain link check.
    private var lastLedgerHash: String?
    /// Bumped on every governance state change (an operator intervention).
    private var stateEpoch: UInt64 = 0
    /// Whether the MO§ES ledger can be read (`GovernanceEvent.Kind.ledgerReadable`); true
    /// until told otherwise, so inputs that never say (older captures) judge as before.
    package private(set) var isLedgerReadable = true

    /// What a store needs to know of the last response judged (disposition `.judged`).
    package private(set) var lastJudgedResponse = JudgedResponse(ordinal: 0, isAudited: false)
    /// When true, responses found audited after they were judged (their ledger append came
    /// within the grace) are kept for `takeLateAudits()`; off by default so that a sink that
    /// stores nothing holds nothing.
    package var collectsLateAudits = false
    private var lateAudits: [AuditedResponse] = []

    /// The responses found audited since the last call, in the order decided.
    package mutating func takeLateAudits() -> [AuditedResponse] {
        defer { lateAudits.removeAll(keepingCapacity: true) }
        return lateAudits
    }

    package init(policy: Policy = Policy(), state: GovernanceState = .default) {
        self.policy = policy
        self.state = state
    }

    /// Conversations currently remembered.
    package var conversationCount: Int { stateIndex.count }
    /// Where one conversation stands, or nil when it is not (or no longer) remembered.
    package func summary(ofConversation conversation: String) -> ConversationSummary? {
        guard let index = stateIndex[conversation] else { return nil }
        let state = states[Int(index)]
        let next = state.lastAcceptedPosition + 1
        let position = state.lastAcceptedPosition < 0 || next >= policy.sequence.count
            ? Self.awaitingPrefix + (policy.sequence.first?.rawValue ?? "none")
            : Self.awaitingPrefix + policy.sequence[next].rawValue
        return ConversationSummary(
            conversation: conversation, firstSeen: state.firstSeen, lastSeen: state.lastSeen,
            cyclePosition: position, responses: Int(state.responses), toolCalls: Int(state.toolCalls),
            violations: Int(state.violations))
    }

    /// How `ConversationSummary.cyclePosition` begins, before the awaited role.
    static let awaitingPrefix = "awaiting "

    /// Resumes a conversation's open cycle where the store last saw it (a restart), so that
    /// the role it awaited is not flagged when it answers first after the restart. Nothing
    /// happens when the cycle was not open, the role is not (or no longer) in the sequence,
    /// or the engine already knows the conversation. What the cycle began under (for
    /// mid-cycle drift) and Primary's words (for repetition) are not resumed.
    ///
    /// - Parameters:
    ///   - conversation: the conversation.
    ///   - cyclePosition: `ConversationSummary.cyclePosition` as stored, e.g. `awaiting secondary`.
    ///   - lastSeen: event time of the last event judged in it; idleness counts from there.
    package mutating func resumeCycle(ofConversation conversation: String, cyclePosition: String, lastSeen: Int64) {
        guard cyclePosition.hasPrefix(Self.awaitingPrefix), stateIndex[conversation] == nil,
              let awaited = Role(rawValue: String(cyclePosition.dropFirst(Self.awaitingPrefix.count))),
              let position = policy.sequence.firstIndex(of: awaited), position > 0 else { return }
        withConversation(conversation, at: lastSeen) { state in
            state.lastAcceptedPosition = position - 1
        }
    }

    /// Resumes an agent's last judged response time from the store after a restart, so
    /// that its next answer needs an append made after that one (not any earlier append).
    /// An agent the engine has already seen answer keeps what it knows.
    ///
    /// - Parameters:
    ///   - session: the agent's session.
    ///   - at: event time of its last judged response.
    package mutating func resumeLastResponse(of session: SessionRef, at: Int64) {
        withSlot(of: session, at: at) { _, slot in
            if slot.lastResponseAt == nil { slot.lastResponseAt = at }
        }
    }

    /// Responses still inside the audit grace period.
    package var pendingAuditCount: Int { pendingAudits.count }

    /// MO§ES ledger append times held for the audit-before-response rule, over all agent
    /// names (bounded; see `LedgerIndex`). O(names held).
    package var retainedLedgerAppends: Int { ledger.retainedAppends }
    /// Ledger agent names held now.
    package var retainedLedgerAgents: Int { ledger.agentCount }

    /// What the engine made of one event.
    package enum Disposition: Sendable, Equatable {
        /// Judged (or recorded, for ledger lines and state changes).
        case judged
        /// Another frame announcing a response or tool call already judged.
        case duplicate
        /// A response or tool call by an agent with no role, or a run that is no response
        /// (heartbeat, `inject-*`).
        case notGoverned
        /// Only counted (deltas, ticks, run boundaries, frames of no interest).
        case counted
    }

    /// Judges one event.
    ///
    /// - Parameters:
    ///   - event: the next input, in arrival order.
    ///   - violations: found violations are appended here.
    /// - Returns: whether the event was judged, so that sinks store each response once.
    @discardableResult
    package mutating func process(_ event: GovernanceEvent, into violations: inout [Violation]) -> Disposition {
        counters.events += 1
        if event.at > clock {
            clock = event.at
            decidePendingAudits(through: clock, into: &violations)
            evictIdleConversations()
        }
        switch event.kind {
        case .streamDelta:
            counters.streamDeltas += 1
        case .tick, .shutdown, .sessionsChanged, .ignored:
            counters.ignored += 1
        case .runStarted(let start):
            handle(start, at: event.at)
        case .runEnded(let end):
            handle(end, at: event.at)
        case .response(let response):
            return handle(response, at: event.at, into: &violations)
        case .toolCall(let call):
            return handle(call, at: event.at, into: &violations)
        case .operatorMessage(let message):
            handle(message, at: event.at)
        case .ledgerEntry(let entry):
            handle(entry, at: event.at, into: &violations)
            return .judged
        case .stateChanged(let newState):
            counters.stateChanges += 1
            if newState != state {
                state = newState
                stateEpoch += 1
            }
            return .judged
        case .ledgerReadable(let isReadable):
            isLedgerReadable = isReadable
        }
        return .counted
    }

    /// Links the next MO§ES ledger entry to `hash`: the last line already in the ledger when
    /// the tail started, so a break between it and the first new line is still caught.
    package mutating func seedLedgerChain(tip hash: String) {
        lastLedgerHash = hash
    }

    /// Decides every response still waiting for its ledger append (end of input).
    package mutating func finish(into violations: inout [Violation]) {
        decidePendingAudits(through: .max, includingDeadline: true, into: &violations)
    }

    // MARK: - Events

    private mutating func handle(_ start: RunStart, at: Int64) {
        guard policy.role(ofAgent: start.session.agentID) != nil else { return }
        withSlot(of: start.session, at: at) { _, slot in
            var run = RunState(idHash: StableHash.of(start.runID))
            run.startedAt = at
            run.isHeartbeat = start.isHeartbeat
            slot.run = run
        }
    }

    private mutating func handle(_ end: RunEnd, at: Int64) {
        guard end.isAborted, policy.role(ofAgent: end.session.agentID) != nil else { return }
        let hash = StableHash.of(end.runID)
        withSlot(of: end.session, at: at) { _, slot in
            if slot.run?.matches(hash) == true, slot.run?.hasResponded == false {
                slot.run?.isAborted = true
            }
        }
    }

    private mutating func handle(_ response: Response, at: Int64, into violations: inout [Violation]) -> Disposition {
        guard let role = policy.role(ofAgent: response.session.agentID) else {
            counters.ungoverned += 1
            return .notGoverned
        }
        if let runID = response.runID, runID.hasPrefix("inject-") {
            counters.ignored += 1
            return .notGoverned
        }
        // Copies, so that the closure below reads no part of `self` while it is being modified.
        let policy = self.policy, clock = self.clock, ledger = self.ledger, epoch = stateEpoch
        let isLedgerReadable = self.isLedgerReadable
        let context = JudgingContext(policy: policy, state: state, at: at)
        var found: [Violation] = []
        var pending: PendingAudit?
        var ordinal: UInt32 = 0
        var isDuplicate = false, isNoResponse = false
        withSlot(of: response.session, at: at) { conversation, slot in
            guard let run = Self.claimRun(for: response, in: &slot) else {
                // A heartbeat or aborted run gives no response; otherwise the run already answered.
                if let current = slot.run, !current.hasResponded, current.isHeartbeat || current.isAborted {
                    isNoResponse = true
                } else {
                    isDuplicate = true
                }
                return
            }
            conversation.responses &+= 1
            ordinal = slot.lastJudgedAt == at ? slot.sameTimeOrdinal &+ 1 : 0
            slot.lastJudgedAt = at
            slot.sameTimeOrdinal = ordinal
            if conversation.interventionEpoch != epoch {
                conversation.interventionEpoch = epoch
                conversation.strikes = StrikeCounts()
            }
            // Drift: the governance state changed since this cycle began.
            if policy.sequence.first != role,
               let drift = DriftRule.judgeMidCycleChange(
                   session: response.session, role: role, runID: response.runID,
                   conversation: &conversation, context: context) {
                found.append(drift)
            }
            let words = (role == .primary || role == .secondary) ? WordSketch(text: response.text) : nil
            if let repeated = RoleRule.judge(response: response, role: role, words: words, conversation: conversation, context: context) {
                found.append(repeated)
            }
            switch SequenceRule.judge(role: role, session: response.session, runID: response.runID,
                                      conversation: &conversation, context: context) {
            case .startedCycle:
                conversation.cycleState = context.state
                conversation.primaryWords = role == .primary ? words : nil
            case .advanced:
                if conversation.lastAcceptedPosition < 0 {
                    conversation.cycleState = nil
                    conversation.primaryWords = nil
                }
            case .violated(let violation):
                found.append(violation)
            case .notJudged:
                if role == .primary { conversation.primaryWords = words }
            }
            if let modeViolation = ModeRule.judge(response: response, role: role, context: context) {
                found.append(modeViolation)
            }
            // Audit before response: decided now if the append is already known, else later.
            let window = AuditBeforeResponseRule.window(
                runStartedAt: run.startedAt, previousResponseAt: slot.lastResponseAt, responseAt: at, policy: policy)
            slot.lastResponseAt = at
            if !run.hasAuditCall && !AuditBeforeResponseRule.hasAppend(
                agentID: response.session.agentID, role: role, in: window, ledger: ledger) {
                pending = PendingAudit(
                    at: at, deadline: max(at, clock).saturatingAdding(policy.auditGraceMs), window: window,
                    session: response.session, role: role, runID: response.runID,
                    runHash: response.runID == nil && slot.run == nil ? nil : run.idHash, state: context.state,
                    ordinal: ordinal,
                    // A legacy frame names no run, so no append can be tied to it.
                    isLedgerUnreadable: !isLedgerReadable || response.source == .legacy)
            }
            for violation in found {
                if let drift = DriftRule.countStrike(of: violation, conversation: &conversation, context: context) {
                    found.append(drift)
                }
            }
        }
        if isNoResponse { return .notGoverned }
        if isDuplicate {
            counters.duplicateResponses += 1
            return .duplicate
        }
        counters.responses += 1
        lastJudgedResponse = JudgedResponse(ordinal: ordinal, isAudited: pending == nil)
        if let pending { pendingAudits.append(pending) }
        emit(found, into: &violations)
        return .judged
    }

    private mutating func handle(_ call: ToolCall, at: Int64, into violations: inout [Violation]) -> Disposition {
        let role = policy.role(ofAgent: call.session.agentID)
        guard let role else {
            counters.ungoverned += 1
            return .notGoverned
        }
        let context = JudgingContext(policy: policy, state: state, at: at)
        let isAuditCall = policy.isAuditCommand(call.command)
        var found: [Violation] = []
        var isDuplicate = false
        withSlot(of: call.session, at: at) { conversation, slot in
            if let id = call.toolCallID {
                let hash = StableHash.of(id)
                if slot.recentToolCalls.contains(hash) {
                    isDuplicate = true
                    return
                }
                slot.recentToolCalls.insert(hash)
            }
            conversation.toolCalls &+= 1
            if isAuditCall {
                Self.markAuditCall(runID: call.runID, in: &slot)
            }
            if let violation = PostureRule.judge(call: call, role: role, isAuditCall: isAuditCall, conversation: conversation, context: context) {
                found.append(violation)
            }
            if let violation = RoleRule.judge(call: call, role: role, isAuditCall: isAuditCall, context: context) {
                found.append(violation)
            }
            for violation in found {
                if let drift = DriftRule.countStrike(of: violation, conversation: &conversation, context: context) {
                    found.append(drift)
                }
            }
        }
        if isDuplicate { return .duplicate }
        counters.toolCalls += 1
        emit(found, into: &violations)
        return .judged
    }

    private mutating func handle(_ message: OperatorMessage, at: Int64) {
        let word = policy.confirmationWord
        let epoch = stateEpoch
        withConversation(message.session.conversation, at: at) { conversation in
            if !word.isEmpty && TextSearch.contains(message.text, word) {
                conversation.hasOperatorConfirmation = true
            }
            // An operator speaking up is an intervention: repeated breaks start counting anew.
            conversation.strikes = StrikeCounts()
            conversation.interventionEpoch = epoch
        }
    }

    private mutating func handle(_ entry: LedgerEntry, at: Int64, into violations: inout [Violation]) {
        counters.ledgerEntries += 1
        if entry.hasRejectedTimestamp { counters.rejectedLedgerTimestamps += 1 }
        let context = JudgingContext(policy: policy, state: state, at: at)
        let found = LedgerIntegrityRule.judge(entry: entry, previousHash: lastLedgerHash, context: context)
        lastLedgerHash = entry.hash
        if let timestamp = entry.timestamp, !entry.agent.isEmpty {
            ledger.record(agent: entry.agent, at: timestamp, idleMs: policy.conversationIdleMs)
        }
        emit(found, into: &violations)
    }

    // MARK: - Runs

    /// The run a response belongs to, marked as responded; nil when the run already
    /// responded (a duplicate frame for the same response) or must not be judged.
    private static func claimRun(for response: Response, in slot: inout AgentSlot) -> RunState? {
        if response.source == .legacy {
            // Legacy frames carry no run: every frame is one response.
            return RunState(idHash: 0, hasResponded: true)
        }
        if let runID = response.runID {
            let hash = StableHash.of(runID)
            if var run = slot.run, run.matches(hash) || (!run.hasResponded && !run.isAborted && run.aliasHash == 0) {
                // The chat client run id can differ from the agent run id: the first response
                // after a lifecycle start names the same run.
                guard !run.hasResponded, !run.isHeartbeat, !run.isAborted else { return nil }
                if !run.matches(hash) { run.aliasHash = hash }
                run.hasResponded = true
                slot.run = run
                return run
            }
            var run = RunState(idHash: hash)
            run.hasResponded = true
            slot.run = run
            return run
        }
        // A session.message that names no run belongs to the agent's current run.
        if var run = slot.run {
            guard !run.hasResponded, !run.isHeartbeat, !run.isAborted else { return nil }
            run.hasResponded = true
            slot.run = run
            return run
        }
        return RunState(idHash: 0, hasResponded: true)
    }

    private static func markAuditCall(runID: String?, in slot: inout AgentSlot) {
        guard let runID else {
            slot.run?.hasAuditCall = true
            return
        }
        let hash = StableHash.of(runID)
        if slot.run?.matches(hash) == true {
            slot.run?.hasAuditCall = true
        } else {
            var run = RunState(idHash: hash)
            run.hasAuditCall = true
            slot.run = run
        }
    }

    // MARK: - Audit grace period

    /// Decides the responses whose deadline is before `time` (or at it, when
    /// `includingDeadline`: at the end of input a deadline pinned at `Int64.max` is due too).
    private mutating func decidePendingAudits(
        through time: Int64, includingDeadline: Bool = false, into violations: inout [Violation]
    ) {
        while let next = pendingAudits.first, next.deadline < time || (includingDeadline && next.deadline == time) {
            let pending = pendingAudits.removeFirst()
            if AuditBeforeResponseRule.hasAppend(
                agentID: pending.session.agentID, role: pending.role, in: pending.window, ledger: ledger) {
                if collectsLateAudits { lateAudits.append(AuditedResponse(pending)) }
                continue
            }
            var runAudited = false
            if let runHash = pending.runHash,
               let index = stateIndex[pending.session.conversation],
               let slot = states[Int(index)].agents.first(where: { $0.agentID == pending.session.agentID }),
               let run = slot.run, run.matches(runHash) {
                runAudited = run.hasAuditCall
            }
            if runAudited {
                if collectsLateAudits { lateAudits.append(AuditedResponse(pending)) }
                continue
            }
            if pending.isLedgerUnreadable || !isLedgerReadable {
                // No ledger to read: a missing append cannot be known, so no verdict (and
                // `is_audited` stays 0: it is not known to be audited either).
                counters.unverifiableAudits += 1
                continue
            }
            let violation = AuditBeforeResponseRule.violation(for: pending, policy: policy)
            var found = [violation]
            let context = JudgingContext(policy: policy, state: pending.state, at: pending.at)
            withExistingConversation(pending.session.conversation) { conversation in
                if let drift = DriftRule.countStrike(of: violation, conversation: &conversation, context: context) {
                    found.append(drift)
                }
            }
            emit(found, into: &violations)
        }
    }

    // MARK: - Conversation state

    private mutating func emit(_ found: [Violation], into violations: inout [Violation]) {
        for violation in found {
            counters.violationsByRule[RuleID.allCases.firstIndex(of: violation.rule)!] += 1
            if !violation.conversation.isEmpty, let index = stateIndex[violation.conversation] {
                states[Int(index)].violations &+= 1
            }
        }
        violations.append(contentsOf: found)
    }

    private mutating func withConversation(_ key: String, at: Int64, _ body: (inout ConversationState) -> Void) {
        // One hash of the key per event (two when the conversation is new).
        let index: Int
        if let existing = stateIndex[key] {
            index = Int(existing)
        } else {
            let state = ConversationState(lastSeen: at, epoch: stateEpoch)
            if let free = freeStates.popLast() {
                index = Int(free)
                states[index] = state
            } else {
                index = states.count
                states.append(state)
            }
            stateIndex[key] = Int32(index)
            evictionChecks.append((key, max(at, clock).saturatingAdding(policy.conversationIdleMs)))
        }
        // One in-place access: reading `lastSeen` through `states[index]` would copy the
        // whole state (and retain everything in it) on every event.
        Self.touch(&states[index], at: at, body)
    }

    private static func touch(_ conversation: inout ConversationState, at: Int64, _ body: (inout ConversationState) -> Void) {
        body(&conversation)
        if at > conversation.lastSeen { conversation.lastSeen = at }
    }

    private mutating func withExistingConversation(_ key: String, _ body: (inout ConversationState) -> Void) {
        guard let index = stateIndex[key] else { return }
        body(&states[Int(index)])
    }

    private mutating func withSlot(
        of session: SessionRef, at: Int64, _ body: (inout ConversationState, inout AgentSlot) -> Void
    ) {
        let isLegacyKey = session.sessionKey == session.conversation
        withConversation(session.conversation, at: at) { conversation in
            let index = conversation.slotIndex(for: session.agentID, isLegacyKey: isLegacyKey)
            var slot = conversation.agents[index]
            body(&conversation, &slot)
            conversation.agents[index] = slot
        }
    }

    private mutating func evictIdleConversations() {
        while let next = evictionChecks.first, next.checkAt <= clock {
            _ = evictionChecks.removeFirst()
            guard let index = stateIndex[next.conversation] else { continue }
            let idleUntil = states[Int(index)].lastSeen.saturatingAdding(policy.conversationIdleMs)
            if idleUntil <= clock {
                stateIndex[next.conversation] = nil
                states[Int(index)] = ConversationState(lastSeen: 0, epoch: 0)  // frees what it held
                freeStates.append(index)
                counters.evictedConversations += 1
            } else {
                evictionChecks.append((next.conversation, idleUntil))
            }
        }
    }
}
