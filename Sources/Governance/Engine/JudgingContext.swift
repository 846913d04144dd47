/// What a rule needs to judge one event: the policy, the governance state in force and the
/// event's time. Rules are pure functions of this, the event and the conversation state.
struct JudgingContext {
    let policy: Policy
    let state: GovernanceState
    let at: Int64

    /// A violation stamped with this context's time and governance state.
    func violation(
        _ rule: RuleID, session: SessionRef?, role: Role?, expected: String, actual: String,
        detail: String, runID: String?
    ) -> Violation {
        Violation(
            at: at, conversation: session?.conversation ?? "", sessionKey: session?.sessionKey ?? "",
            agentID: session?.agentID ?? "", role: role, rule: rule, expected: expected,
            actual: actual, detail: detail, runID: runID, state: state
        )
    }
}
