/// A breach of governance found by the engine.
package struct Violation: Sendable, Equatable, Codable {
    /// Event time of the breach in ms since the epoch.
    package var at: Int64
    /// The conversation (`<rest>` of the session keys); empty for ledger-wide breaches.
    package var conversation: String
    /// The session key of the offending agent; empty for ledger-wide breaches.
    package var sessionKey: String
    /// The offending agent id (or the ledger entry's `agent`).
    package var agentID: String
    /// The offending agent's role, when it has one.
    package var role: Role?
    package var rule: RuleID
    /// What the rule expected (e.g. `secondary`, `ledger entry before response`).
    package var expected: String
    /// What happened instead (e.g. `observer`).
    package var actual: String
    /// One human-readable sentence.
    package var detail: String
    /// The run that broke the rule, when there is one.
    package var runID: String?
    /// The governance state in force when the rule was broken.
    package var state: GovernanceState

    package init(
        at: Int64, conversation: String, sessionKey: String, agentID: String, role: Role?,
        rule: RuleID, expected: String, actual: String, detail: String, runID: String?,
        state: GovernanceState
    ) {
        self.at = at
        self.conversation = conversation
        self.sessionKey = sessionKey
        self.agentID = agentID
        self.role = role
        self.rule = rule
        self.expected = expected
        self.actual = actual
        self.detail = detail
        self.runID = runID
        self.state = state
    }
}
