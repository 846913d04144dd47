import Testing
@testable import Governance

/// A restarted daemon resumes the cycles its store recorded, so the role a cycle awaited
/// when the daemon stopped is not flagged for answering first after the restart.
@Suite struct CycleResumeTests {
    func judgeAfterResume(_ roles: [String], cyclePosition: String?, policy: Policy = Policy(auditGraceMs: 1_000)) -> [Violation] {
        var script = EventScript(policy: policy, state: quiet)
        if let cyclePosition {
            script.engine.resumeCycle(ofConversation: group, cyclePosition: cyclePosition, lastSeen: 500)
        }
        for (index, role) in roles.enumerated() {
            script.run(audited(role, run: "run-\(index)", at: Int64(1_000 * (index + 1))))
        }
        return script.finish()
    }

    @Test func theAwaitedRoleIsAccepted() {
        #expect(judgeAfterResume(["secondary", "observer"], cyclePosition: nil).map(\.expected) == ["primary", "primary"])
        #expect(judgeAfterResume(["secondary", "observer"], cyclePosition: "awaiting secondary").isEmpty)
        #expect(judgeAfterResume(["observer", "primary"], cyclePosition: "awaiting observer").isEmpty)
    }

    @Test func anotherRoleIsStillFlaggedAgainstTheResumedCycle() {
        let violations = judgeAfterResume(["observer"], cyclePosition: "awaiting secondary")
        #expect(violations.map(\.expected) == ["secondary"])
        #expect(violations.map(\.actual) == ["observer"])
    }

    @Test func positionsThatOpenNoCycleResumeNothing() {
        for position in ["awaiting primary", "", "awaiting nobody", "secondary"] {
            #expect(judgeAfterResume(["secondary"], cyclePosition: position).map(\.expected) == ["primary"], "\(position)")
        }
    }

    @Test func theStoredPositionIsWhatTheEngineWrites() throws {
        var script = EventScript(policy: Policy(auditGraceMs: 1_000), state: quiet)
        script.run(audited("primary", run: "run-0", at: 1_000))
        let summary = try #require(script.engine.summary(ofConversation: group))
        var resumed = EventScript(policy: Policy(auditGraceMs: 1_000), state: quiet)
        resumed.engine.resumeCycle(ofConversation: group, cyclePosition: summary.cyclePosition, lastSeen: summary.lastSeen)
        #expect(resumed.engine.summary(ofConversation: group)?.cyclePosition == summary.cyclePosition)
        resumed.run(audited("secondary", run: "run-1", at: 2_000))
        #expect(resumed.finish().isEmpty)
    }

    @Test func aConversationTheEngineKnowsIsLeftAlone() {
        var script = EventScript(policy: Policy(auditGraceMs: 1_000), state: quiet)
        script.run(audited("primary", run: "run-0", at: 1_000), audited("secondary", run: "run-1", at: 2_000))
        script.engine.resumeCycle(ofConversation: group, cyclePosition: "awaiting secondary", lastSeen: 2_000)
        script.run(audited("observer", run: "run-2", at: 3_000))
        #expect(script.finish().isEmpty)
    }

    /// An append the agent made before its last judged answer (re-read from the ledger after
    /// the restart) does not excuse its next, unaudited answer.
    @Test func anAppendBeforeTheResumedLastResponseDoesNotCount() {
        func judge(resuming: Bool) -> [Violation] {
            var script = EventScript(policy: Policy(auditGraceMs: 1_000), state: quiet)
            if resuming { script.engine.resumeLastResponse(of: session("primary"), at: 1_000) }
            script.run(ledger("primary", stamped: 900), answer("primary", run: "run-2", at: 5_000))
            return script.finish()
        }
        #expect(judge(resuming: false).isEmpty, "the fresh engine knows no earlier answer")
        #expect(judge(resuming: true).map(\.rule) == [.auditBeforeResponse])
    }

    @Test func anAnswerTheEngineHasSeenKeepsItsTime() {
        var script = EventScript(policy: Policy(auditGraceMs: 1_000), state: quiet)
        script.run(audited("primary", run: "run-1", at: 2_000))
        script.engine.resumeLastResponse(of: session("primary"), at: 500)
        // Its window starts after 2,000, not after 500: the append at 1,000 does not count.
        script.run(ledger("primary", stamped: 1_000, arriving: 2_500), answer("primary", run: "run-2", at: 3_000))
        #expect(script.finish().map(\.rule) == [.auditBeforeResponse])
    }
}
