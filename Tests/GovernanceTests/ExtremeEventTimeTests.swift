import Testing
@testable import Governance

/// Event times at the edges of `Int64`: the engine derives deadlines and windows from them
/// by saturating arithmetic, so no time a source lets through can trap it.
@Suite struct ExtremeEventTimeTests {
    @Test func aLifecycleStartAtInt64MaxIsJudged() {
        var script = EventScript()
        let found = script.finish(
            start("primary", run: "r", at: .max),
            answer("primary", run: "r", at: .max))
        // No append in the ledger: the audit verdict is still reached at the end of input.
        #expect(found.map(\.rule) == [.auditBeforeResponse])
        #expect(script.engine.counters.responses == 1)
    }

    @Test func aResponseAtInt64MaxAfterAnEarlierOneIsJudged() {
        var script = EventScript()
        let found = script.finish(
            audited("primary", run: "a", at: 1_000),
            answer("secondary", run: "b", at: .max))
        // The jump to Int64.max evicted the conversation, so Secondary also starts it out of turn.
        #expect(found.map(\.rule) == [.sequence, .auditBeforeResponse])
        #expect(script.engine.counters.responses == 2)
        #expect(script.engine.counters.evictedConversations == 1)
    }

    @Test func aLifecycleStartAtInt64MinLeavesTheWindowOpen() {
        var script = EventScript()
        let found = script.finish(
            start("primary", run: "r", at: .min),
            ledger("primary", stamped: .min),
            answer("primary", run: "r", at: .min))
        #expect(found.isEmpty)
    }

    @Test func conversationsSeenNearInt64MaxAreEvictedWithoutTrapping() {
        var script = EventScript(policy: Policy(auditGraceMs: 1_000, conversationIdleMs: 10_000), state: quiet)
        script.run(audited("primary", run: "a", at: .max - 5, in: "late"))
        #expect(script.engine.conversationCount == 1)
        // Idle until a time past Int64.max, pinned there: the last possible time ends it.
        script.run(GovernanceEvent(at: .max, kind: .tick))
        #expect(script.engine.conversationCount == 0)
        #expect(script.engine.counters.evictedConversations == 1)
    }

    @Test(arguments: [
        (Int64.max, Int64(1), Int64.max), (Int64.max - 1, Int64(5), Int64.max), (Int64(1), Int64(2), Int64(3)),
        (Int64.min, Int64(-1), Int64.min), (Int64(-3), Int64(-4), Int64(-7)),
    ])
    func saturatingAddition(_ a: Int64, _ b: Int64, _ sum: Int64) {
        #expect(a.saturatingAdding(b) == sum)
        #expect(b.saturatingAdding(a) == sum)
    }

    @Test(arguments: [
        (Int64.min, Int64(1), Int64.min), (Int64.max, Int64(-1), Int64.max), (Int64(0), Int64.min, Int64.max),
        (Int64(10), Int64(3), Int64(7)),
    ])
    func saturatingSubtraction(_ a: Int64, _ b: Int64, _ difference: Int64) {
        #expect(a.saturatingSubtracting(b) == difference)
    }
}
