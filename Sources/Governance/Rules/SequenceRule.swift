/// `sequence`: roles answer in the configured order (Primary → Secondary → Observer).
///
/// The MO§ES coordinator's rule: the first role may always answer and (re)starts a cycle;
/// any other role must be the next after the last accepted one; after the last role the
/// cycle resets. A violation records the expected role and leaves the cycle unchanged.
/// No check while the governance role is `broadcast`.
enum SequenceRule {
    /// How a response moved the conversation's cycle.
    enum Outcome: Equatable {
        /// The response opened a new cycle (the first role answered).
        case startedCycle
        /// The response was the expected next role.
        case advanced
        /// The response was out of order.
        case violated(Violation)
        /// Not judged: broadcast, or the role is not part of the sequence.
        case notJudged
    }

    static func judge(
        role: Role, session: SessionRef, runID: String?,
        conversation: inout ConversationState, context: JudgingContext
    ) -> Outcome {
        let sequence = context.policy.sequence
        guard context.state.role != .broadcast,
              let position = sequence.firstIndex(of: role) else { return .notJudged }
        let last = conversation.lastAcceptedPosition
        if position == 0 {
            conversation.lastAcceptedPosition = sequence.count == 1 ? -1 : 0
            return .startedCycle
        }
        if last >= 0 && position == last + 1 {
            conversation.lastAcceptedPosition = position == sequence.count - 1 ? -1 : position
            return .advanced
        }
        let expected = last >= 0 && last + 1 < sequence.count ? sequence[last + 1] : sequence[0]
        let violation = context.violation(
            .sequence, session: session, role: role,
            expected: expected.rawValue, actual: role.rawValue,
            detail: "\(role.rawValue) (\(session.agentID)) responded in \(session.conversation) but \(expected.rawValue) was expected",
            runID: runID
        )
        return .violated(violation)
    }
}
