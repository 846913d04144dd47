import Testing
@testable import Governance

@Suite struct GovernanceEngineTests {
    /// A scenario that breaks several rules, across conversations and state changes.
    var scenario: [GovernanceEvent] {
        var events: [GovernanceEvent] = []
        for conversation in ["c1", "c2", "c3"] {
            events += [start("primary", run: "\(conversation)-p", at: 1_000, in: conversation),
                       answer("primary", run: "\(conversation)-p", at: 1_200, in: conversation),
                       tool("observer", "exec", command: "ls", run: "\(conversation)-o", at: 1_300, in: conversation),
                       answer("observer", run: "\(conversation)-o", at: 1_400, text: "definitely fine", in: conversation)]
        }
        events.append(state(.highSecurity, .scout, at: 1_500))
        events.append(answer("secondary", run: "c1-s", at: 1_600, text: "sk-abcdefghijklmnopqrstuvwxyz", in: "c1"))
        return events
    }

    @Test func sameInputsGiveSameViolations() {
        var first = EventScript(), second = EventScript()
        let a = first.finish(scenario)
        let b = second.finish(scenario)
        #expect(!a.isEmpty)
        #expect(a == b)
    }

    @Test func countersAddUp() {
        var script = EventScript()
        let found = script.finish(scenario)
        let counters = script.engine.counters
        #expect(counters.events == UInt64(scenario.count))
        #expect(counters.violations == UInt64(found.count))
        #expect(counters.responses == 7)
        #expect(counters.toolCalls == 3)
        #expect(counters.violations(of: .auditBeforeResponse) == 7)
    }

    @Test func idleConversationsAreEvicted() {
        let policy = Policy(auditGraceMs: 1_000, conversationIdleMs: 10_000)
        var script = EventScript(policy: policy, state: quiet)
        script.run(audited("primary", run: "a", at: 1_000, in: "old"))
        script.run(audited("primary", run: "b", at: 5_000, in: "busy"))
        #expect(script.engine.conversationCount == 2)
        script.run(audited("secondary", run: "c", at: 10_500, in: "busy"))
        #expect(script.engine.conversationCount == 2, "old is idle for 9.5 s only")
        script.run(GovernanceEvent(at: 11_001, kind: .tick))
        #expect(script.engine.conversationCount == 1)
        #expect(script.engine.counters.evictedConversations == 1)
        // An evicted conversation starts afresh: its Secondary now expects a Primary first.
        script.run(audited("secondary", run: "d", at: 12_000, in: "old"))
        // The busy one kept its cycle through the re-check.
        script.run(audited("observer", run: "e", at: 30_000, in: "busy"))
        #expect(script.finish().map(\.conversation) == ["old", "busy"])
    }

    @Test func anEvictedConversationsStorageIsReusedClean() throws {
        let policy = Policy(auditGraceMs: 1_000, conversationIdleMs: 10_000)
        var script = EventScript(policy: policy, state: quiet)
        // "old" ends mid-cycle with a response and a tool call on record, then goes idle.
        script.run(audited("primary", run: "a", at: 1_000, in: "old"))
        script.run(tool("primary", "read", run: "a", id: "t1", at: 1_100, in: "old"))
        script.run(GovernanceEvent(at: 20_000, kind: .tick))
        #expect(script.engine.conversationCount == 0)
        #expect(script.engine.summary(ofConversation: "old") == nil)
        // The next new conversation takes the freed storage and must not inherit any of it:
        // its Secondary answering first breaks the sequence, and its counts start at zero.
        script.run(audited("secondary", run: "b", at: 21_000, in: "fresh"))
        let summary = try #require(script.engine.summary(ofConversation: "fresh"))
        #expect(summary.responses == 1)
        #expect(summary.toolCalls == 0)
        #expect(summary.firstSeen >= 21_000)
        #expect(script.finish().map(\.rule) == [.sequence])
    }

    @Test func manyConversationsStayBounded() {
        let policy = Policy(auditGraceMs: 1_000, conversationIdleMs: 60_000)
        var script = EventScript(policy: policy, state: quiet)
        for index in 0..<20_000 {
            let at = Int64(index) * 10
            script.run(audited("primary", run: "r\(index)", at: at, in: "g\(index)"))
        }
        // 60 s of event time is 6,000 conversations at one per 10 ms.
        #expect(script.engine.conversationCount <= 6_001)
        #expect(script.engine.counters.evictedConversations >= 13_999)
    }
}

@Suite struct EngineDispositionTests {
    @Test func eachResponseAndToolCallIsJudgedOnce() {
        var script = EventScript(state: quiet)
        var found: [Violation] = []
        let outcomes = [
            start("primary", run: "r", at: 1_000), ledger("primary", stamped: 1_001),
            tool("primary", "read", run: "r", id: "c1", at: 1_002), tool("primary", "read", run: "r", id: "c1", at: 1_003),
            answer("primary", run: "r", at: 1_004), answer("primary", run: nil, at: 1_005, source: .sessionMessage),
            answer("main", run: "m", at: 1_006),
            start("observer", run: "hb", at: 1_007, heartbeat: true), answer("observer", run: "hb", at: 1_008),
            GovernanceEvent(at: 1_009, kind: .streamDelta),
        ].map { script.engine.process($0, into: &found) }
        #expect(outcomes == [.counted, .judged, .judged, .duplicate, .judged, .duplicate, .notGoverned, .counted, .notGoverned, .counted])
    }
}

@Suite struct ConversationSummaryTests {
    @Test func summaryTracksCycleAndCounts() throws {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000), tool("primary", "read", run: "a", at: 1_100))
        var summary = try #require(script.engine.summary(ofConversation: group))
        #expect(summary.cyclePosition == "awaiting secondary")
        #expect((summary.firstSeen, summary.lastSeen) == (1_000, 1_100), "ledger lines belong to no conversation")
        #expect((summary.responses, summary.toolCalls, summary.violations) == (1, 1, 0))
        script.run(audited("observer", run: "b", at: 2_000))
        summary = try #require(script.engine.summary(ofConversation: group))
        #expect(summary.cyclePosition == "awaiting secondary", "a violation leaves the cycle as it was")
        #expect(summary.violations == 1)
        script.run(audited("secondary", run: "c", at: 3_000), audited("observer", run: "d", at: 4_000))
        #expect(script.engine.summary(ofConversation: group)?.cyclePosition == "awaiting primary")
        #expect(script.engine.summary(ofConversation: "elsewhere") == nil)
    }
}
