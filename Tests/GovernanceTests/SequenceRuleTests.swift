import Testing
@testable import Governance

@Suite struct SequenceRuleTests {
    /// Answers by role in order, each audited, in an unrestricted state: only the sequence rule can fire.
    func judge(_ roles: [String], policy: Policy = Policy(auditGraceMs: 1_000), state: GovernanceState = quiet) -> [Violation] {
        var script = EventScript(policy: policy, state: state)
        for (index, role) in roles.enumerated() {
            script.run(audited(role, run: "run-\(index)", at: Int64(1_000 * (index + 1))))
        }
        return script.finish()
    }

    @Test func inOrderCyclesAreClean() {
        #expect(judge(["primary", "secondary", "observer", "primary", "secondary", "observer"]).isEmpty)
    }

    @Test func observerRightAfterPrimaryExpectsSecondary() throws {
        let violations = judge(["primary", "observer"])
        let violation = try #require(violations.first)
        #expect(violations.count == 1)
        #expect(violation.rule == .sequence)
        #expect(violation.expected == "secondary")
        #expect(violation.actual == "observer")
        #expect(violation.role == .observer)
        #expect(violation.conversation == group)
        #expect(violation.sessionKey == "agent:observer:\(group)")
        #expect(violation.runID == "run-1")
        #expect(violation.at == 2_000)
    }

    @Test func secondaryFirstExpectsPrimary() {
        #expect(judge(["secondary"]).map(\.expected) == ["primary"])
    }

    @Test func cycleResetsAfterObserver() {
        let violations = judge(["primary", "secondary", "observer", "secondary"])
        #expect(violations.map(\.expected) == ["primary"])
    }

    @Test func primaryMayRestartMidCycle() {
        #expect(judge(["primary", "secondary", "primary", "secondary", "observer"]).isEmpty)
    }

    @Test func secondaryTwiceExpectsObserver() {
        #expect(judge(["primary", "secondary", "secondary"]).map(\.expected) == ["observer"])
    }

    @Test func violationLeavesCycleUnchanged() {
        // Observer jumps in; Secondary is still the one expected, and is then accepted.
        let violations = judge(["primary", "observer", "secondary", "observer"])
        #expect(violations.map(\.actual) == ["observer"])
    }

    @Test func broadcastTurnsSequencingOff() {
        let broadcast = GovernanceState(mode: .unrestricted, posture: .offense, role: .broadcast)
        #expect(judge(["observer", "secondary", "observer"], state: broadcast).isEmpty)
    }

    @Test func sequenceIsConfigurable() {
        let twoRoles = Policy(sequence: [.primary, .observer], auditGraceMs: 1_000)
        #expect(judge(["primary", "observer", "primary", "observer"], policy: twoRoles).isEmpty)
        #expect(judge(["primary", "secondary"], policy: twoRoles).isEmpty, "a role outside the sequence is not sequenced")
    }

    @Test func roleMapAssignsRolesToAgentIDs() {
        let policy = Policy(roles: ["Lead": .primary, "critic": .secondary], auditGraceMs: 1_000)
        #expect(judge(["lead", "critic"], policy: policy).isEmpty)
        #expect(judge(["critic"], policy: policy).map(\.actual) == ["secondary"])
    }

    @Test func agentsWithoutRoleAreNotGoverned() {
        var script = EventScript(state: quiet)
        script.run(answer("main", run: "r1", at: 1_000))
        #expect(script.finish().isEmpty)
        #expect(script.engine.counters.ungoverned == 1)
    }

    @Test func conversationsAreIndependent() {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000, in: "discord:group:1"))
        script.run(audited("secondary", run: "b", at: 2_000, in: "discord:group:2"))
        let violations = script.finish()
        #expect(violations.map(\.conversation) == ["discord:group:2"])
    }

    @Test func oneRunIsOneResponseHoweverManyFramesAnnounceIt() {
        var script = EventScript(state: quiet)
        script.run(start("primary", run: "r1", at: 900), ledger("primary", stamped: 950))
        script.run(answer("primary", run: "r1", at: 1_000))
        script.run(answer("primary", run: nil, at: 1_001, source: .sessionMessage))
        script.run(answer("primary", run: "r1", at: 1_002))
        script.run(start("secondary", run: "r2", at: 1_100), ledger("secondary", stamped: 1_150))
        // The chat client run id differs from the agent run id: still one response.
        script.run(answer("secondary", run: "client-7", at: 1_200))
        script.run(answer("secondary", run: nil, at: 1_201, source: .sessionMessage))
        script.run(start("observer", run: "r3", at: 1_300), ledger("observer", stamped: 1_350))
        script.run(answer("observer", run: "r3", at: 1_400))
        #expect(script.finish().isEmpty)
        #expect(script.engine.counters.responses == 3)
        #expect(script.engine.counters.duplicateResponses == 3)
    }

    @Test func heartbeatInjectAndAbortedRunsAreNoResponses() {
        var script = EventScript(state: quiet)
        script.run(start("observer", run: "hb", at: 900, heartbeat: true), answer("observer", run: "hb", at: 1_000))
        script.run(answer("secondary", run: "inject-42", at: 1_100))
        script.run(start("secondary", run: "r2", at: 1_200), abort("secondary", run: "r2", at: 1_300))
        script.run(answer("secondary", run: nil, at: 1_301, source: .sessionMessage))
        #expect(script.finish().isEmpty)
        #expect(script.engine.counters.responses == 0)
    }

    @Test func legacyFramesAreOneResponseEach() {
        var script = EventScript(state: quiet)
        let legacy = { (agent: String, at: Int64) in
            GovernanceEvent(at: at, kind: .response(Response(
                session: SessionRef(sessionKey: "s1", agentID: agent, conversation: "s1"),
                runID: nil, text: "", source: .legacy)))
        }
        script.run(ledger("primary", stamped: 1), legacy("primary", 10), ledger("observer", stamped: 11), legacy("observer", 20))
        script.run(ledger("observer", stamped: 21), legacy("observer", 30))
        let violations = script.finish()
        #expect(violations.map(\.rule) == [.sequence, .sequence])
        #expect(violations.map(\.sessionKey) == ["s1", "s1"])
    }
}
