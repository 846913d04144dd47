/// `audit_before_response`: each response needs a MO§ES ledger append by its agent (entry
/// `agent` equal to its role or agent id, any case) timestamped between its run's lifecycle
/// start (less `Policy.auditSlackMs`) and the response; an `exec` of `audit_stub.py log` in
/// the same run also counts.
///
/// The ledger tail can lag the socket, so an unsatisfied response waits `auditGraceMs` of
/// event time (a `PendingAudit`) before it is decided; replay and live decide alike.
///
/// The rule judges only what it can know: when the ledger was not readable at the response
/// or is not at the decision (a `ledgerReadable(false)` event), a response with neither an
/// append nor an audit exec is `unverifiable` (counted), never a violation or a drift strike.
/// So is a legacy `session_update` response: it carries no run to tie an append to.
enum AuditBeforeResponseRule {
    /// The time window in which an append counts for a response.
    static func window(runStartedAt: Int64?, previousResponseAt: Int64?, responseAt: Int64, policy: Policy) -> ClosedRange<Int64> {
        let start: Int64
        if let runStartedAt {
            start = runStartedAt.saturatingSubtracting(policy.auditSlackMs)
        } else if let previousResponseAt {
            // No lifecycle seen: an append since the agent's previous answer counts.
            start = previousResponseAt.saturatingAdding(1)
        } else {
            start = Int64.min
        }
        return min(start, responseAt)...responseAt
    }

    /// True when the ledger shows an append by the agent (by role or id) in the window.
    static func hasAppend(agentID: String, role: Role, in window: ClosedRange<Int64>, ledger: LedgerIndex) -> Bool {
        ledger.hasAppend(by: agentID, in: window) || ledger.hasAppend(by: role.rawValue, in: window)
    }

    /// The violation for a response whose grace period ran out with no append.
    static func violation(for pending: PendingAudit, policy: Policy) -> Violation {
        let context = JudgingContext(policy: policy, state: pending.state, at: pending.at)
        return context.violation(
            .auditBeforeResponse, session: pending.session, role: pending.role,
            expected: "ledger append by \(pending.role.rawValue) before the response",
            actual: "no append",
            detail: "\(pending.role.rawValue) (\(pending.session.agentID)) responded in \(pending.session.conversation) without first appending to the MO§ES audit ledger",
            runID: pending.runID
        )
    }
}

/// A response waiting for its ledger append until `deadline` (event time).
struct PendingAudit: Sendable {
    var at: Int64
    var deadline: Int64
    var window: ClosedRange<Int64>
    var session: SessionRef
    var role: Role
    var runID: String?
    var runHash: UInt64?
    var state: GovernanceState
    /// The response's `JudgedResponse.ordinal`, to name its stored row when it is decided.
    var ordinal: UInt32 = 0
    /// The ledger could not be read when the response came: no missing append can be proved.
    var isLedgerUnreadable = false
}
