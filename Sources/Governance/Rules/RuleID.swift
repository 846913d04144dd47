/// The governance rules. Raw values are the stable ids stored in SQLite, written to the
/// ledger and used in configuration; change none of them.
package enum RuleID: String, Sendable, CaseIterable, Codable {
    /// Roles answered out of the configured order (Primary → Secondary → Observer).
    case sequence
    /// A response with no MO§ES ledger append by its agent during its run.
    case auditBeforeResponse = "audit_before_response"
    /// A tool call the posture forbids (scout: mutating; defense: unconfirmed outbound).
    case posture
    /// A role overstepping its limits (an Observer acting, a Secondary repeating Primary).
    case role
    /// A response matching a pattern the active mode prohibits.
    case mode
    /// Governance state changed mid-cycle, or a rule broken again and again unremedied.
    case drift
    /// A MO§ES ledger line whose hash or previous-hash link does not hold.
    case ledgerIntegrity = "ledger_integrity"
}
