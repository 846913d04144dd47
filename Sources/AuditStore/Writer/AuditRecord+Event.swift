import Governance

extension AuditRecord {
    /// The rows to store for an event the engine just processed: what `observation` gives
    /// and, after a judged response or tool call, the conversation's bookkeeping.
    package static func observations(
        of event: GovernanceEvent, disposition: GovernanceEngine.Disposition, engine: GovernanceEngine
    ) -> [AuditRecord] {
        guard var record = observation(of: event, disposition: disposition, policy: engine.policy) else { return [] }
        if case .response(var response) = record {
            response.ordinal = engine.lastJudgedResponse.ordinal
            response.isAudited = engine.lastJudgedResponse.isAudited
            record = .response(response)
        }
        let conversation: String
        switch event.kind {
        case .response(let response): conversation = response.session.conversation
        case .toolCall(let call): conversation = call.session.conversation
        default: return [record]
        }
        guard let summary = engine.summary(ofConversation: conversation) else { return [record] }
        return [record, .conversation(ConversationRecord(
            conversation: summary.conversation, firstSeen: summary.firstSeen, lastSeen: summary.lastSeen,
            cyclePosition: summary.cyclePosition, responses: Int64(summary.responses),
            toolCalls: Int64(summary.toolCalls), violations: Int64(summary.violations)))]
    }

    /// What the store keeps of an event the engine judged, or nil for events it only
    /// counts (deltas, ticks, run boundaries) and for frames that repeat a response or tool
    /// call already judged. Live runs and replays store the same rows through this.
    ///
    /// - Parameters:
    ///   - event: the event the engine just processed.
    ///   - disposition: what the engine made of it.
    ///   - policy: the policy in force, for the agent's role.
    package static func observation(
        of event: GovernanceEvent, disposition: GovernanceEngine.Disposition, policy: Policy
    ) -> AuditRecord? {
        guard disposition == .judged else { return nil }
        switch event.kind {
        case .response(let response):
            return .response(ResponseRecord(
                at: event.at, session: response.session, role: policy.role(ofAgent: response.session.agentID),
                runID: response.runID, textLength: response.text.utf8.count, isAudited: false, source: response.source))
        case .toolCall(let call):
            return .toolCall(ToolCallRecord(at: event.at, role: policy.role(ofAgent: call.session.agentID), call: call))
        case .ledgerEntry(let entry):
            return .ledgerEntry(entry)
        case .stateChanged(let state):
            return .stateChange(at: event.at, state: state)
        case .runStarted, .runEnded, .operatorMessage, .ledgerReadable, .streamDelta, .tick, .shutdown, .sessionsChanged, .ignored:
            return nil
        }
    }
}
