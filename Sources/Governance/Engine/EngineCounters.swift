/// Monotonic counters of what the engine saw and did. Read by `replay`'s summary, the
/// store's `stats` and `/metrics`; names there derive from these properties.
package struct EngineCounters: Sendable, Equatable {
    /// Events processed, all kinds.
    package var events: UInt64 = 0
    package var responses: UInt64 = 0
    /// Frames that announced a response already counted for the same run.
    package var duplicateResponses: UInt64 = 0
    package var toolCalls: UInt64 = 0
    package var streamDeltas: UInt64 = 0
    package var ledgerEntries: UInt64 = 0
    /// Ledger entries whose `timestamp` was rejected (see `LedgerEntry.hasRejectedTimestamp`).
    package var rejectedLedgerTimestamps: UInt64 = 0
    package var stateChanges: UInt64 = 0
    package var ignored: UInt64 = 0
    /// Responses and tool calls by agents with no role (not governed).
    package var ungoverned: UInt64 = 0
    /// Responses whose audit could not be judged: no append and no audit exec, while the
    /// MO§ES ledger was not readable (see `GovernanceEvent.Kind.ledgerReadable`).
    package var unverifiableAudits: UInt64 = 0
    /// Conversations forgotten after `Policy.conversationIdleMs` of silence.
    package var evictedConversations: UInt64 = 0
    /// Violations found, indexed by `RuleID.allCases` order.
    package var violationsByRule: [UInt64] = Array(repeating: 0, count: RuleID.allCases.count)

    package init() {}

    /// Violations found for one rule.
    package func violations(of rule: RuleID) -> UInt64 {
        violationsByRule[RuleID.allCases.firstIndex(of: rule)!]
    }

    /// All violations found.
    package var violations: UInt64 { violationsByRule.reduce(0, +) }
}
