/// `drift`: constitutional drift. Two forms:
/// - the governance mode or posture changed in the middle of a cycle (reported once, at the
///   cycle's next response);
/// - the same rule broken `Policy.driftRepeatLimit` times in a conversation with no operator
///   intervention (an operator message or a governance state change): "drift normalized".
enum DriftRule {
    static func judgeMidCycleChange(
        session: SessionRef, role: Role, runID: String?,
        conversation: inout ConversationState, context: JudgingContext
    ) -> Violation? {
        guard conversation.lastAcceptedPosition >= 0, let before = conversation.cycleState,
              before.mode != context.state.mode || before.posture != context.state.posture else { return nil }
        conversation.cycleState = context.state
        let from = "\(before.mode.rawValue)/\(before.posture.rawValue)"
        let to = "\(context.state.mode.rawValue)/\(context.state.posture.rawValue)"
        return context.violation(
            .drift, session: session, role: role,
            expected: "mode/posture \(from) until the cycle ends", actual: to,
            detail: "governance changed from \(from) to \(to) in the middle of a cycle in \(session.conversation)",
            runID: runID
        )
    }

    /// Counts a violation against its rule; returns a drift violation when the count reaches
    /// the limit (then counting starts again).
    static func countStrike(
        of violation: Violation, conversation: inout ConversationState, context: JudgingContext
    ) -> Violation? {
        guard violation.rule != .drift, violation.rule != .ledgerIntegrity,
              context.policy.driftRepeatLimit > 0 else { return nil }
        let index = RuleID.allCases.firstIndex(of: violation.rule)!
        let count = Int(conversation.strikes[index]) + 1
        guard count >= context.policy.driftRepeatLimit else {
            conversation.strikes[index] = UInt8(min(count, 255))
            return nil
        }
        conversation.strikes[index] = 0
        let session = violation.sessionKey.isEmpty ? nil : SessionRef(
            sessionKey: violation.sessionKey, agentID: violation.agentID, conversation: violation.conversation)
        return context.violation(
            .drift, session: session, role: violation.role,
            expected: "operator intervention after repeated \(violation.rule.rawValue) violations",
            actual: "\(count) \(violation.rule.rawValue) violations",
            detail: "\(violation.rule.rawValue) broken \(count) times in \(violation.conversation) with no operator intervention (drift normalized)",
            runID: violation.runID
        )
    }
}
