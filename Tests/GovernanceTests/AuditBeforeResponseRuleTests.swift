import Testing
@testable import Governance

@Suite struct AuditBeforeResponseRuleTests {
    // Slack 500 ms before the run's start, grace 1,000 ms of event time after the response.
    let policy = Policy(auditSlackMs: 500, auditGraceMs: 1_000)

    func violations(_ events: [GovernanceEvent]) -> [Violation] {
        var script = EventScript(policy: policy, state: quiet)
        script.run(events)
        return script.finish()
    }

    @Test func appendDuringTheRunSatisfies() {
        #expect(violations([start("primary", run: "r", at: 1_000), ledger("primary", stamped: 1_100), answer("primary", run: "r", at: 2_000)]).isEmpty)
    }

    @Test func appendWithinTheSlackBeforeTheStartSatisfies() {
        #expect(violations([ledger("primary", stamped: 600), start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000)]).isEmpty)
    }

    @Test func appendBeforeTheSlackDoesNot() throws {
        let found = violations([ledger("primary", stamped: 400), start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000)])
        let violation = try #require(found.first)
        #expect(found.count == 1)
        #expect(violation.rule == .auditBeforeResponse)
        #expect(violation.at == 2_000, "stamped with the response time, though decided later")
        #expect(violation.runID == "r")
        #expect(violation.agentID == "primary")
    }

    @Test func noAppendIsAViolation() {
        #expect(violations([start("secondary", run: "r", at: 1_000), answer("secondary", run: "r", at: 2_000)]).map(\.rule) == [.sequence, .auditBeforeResponse], "the audit verdict comes after the grace period")
    }

    @Test func appendStampedAfterTheResponseDoesNotCount() {
        let found = violations([start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000), ledger("primary", stamped: 2_001)])
        #expect(found.map(\.rule) == [.auditBeforeResponse])
    }

    @Test func lateArrivingAppendWithinGraceCounts() {
        // Stamped inside the run, but the tail delivered it 1,000 ms after the response: the
        // deadline itself is still inside the grace period.
        let found = violations([
            start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000),
            ledger("primary", stamped: 1_500, arriving: 3_000),
        ])
        #expect(found.isEmpty)
    }

    @Test func appendArrivingAfterGraceIsTooLate() {
        let found = violations([
            start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000),
            ledger("primary", stamped: 1_500, arriving: 3_001),
        ])
        #expect(found.map(\.rule) == [.auditBeforeResponse])
    }

    @Test func decisionWaitsForEventTimeNotForInput() {
        var script = EventScript(policy: policy, state: quiet)
        script.run(start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000))
        #expect(script.violations.isEmpty, "undecided inside the grace period")
        #expect(script.engine.pendingAuditCount == 1)
        script.run(GovernanceEvent(at: 3_000, kind: .tick))
        #expect(script.violations.isEmpty, "the deadline itself is still inside")
        script.run(GovernanceEvent(at: 3_001, kind: .tick))
        #expect(script.rules == [.auditBeforeResponse])
    }

    @Test func auditExecInTheSameRunSatisfies() {
        #expect(violations([start("observer", run: "r", at: 1_000), auditExec("observer", run: "r", at: 1_500), answer("observer", run: "r", at: 2_000)])
            .map(\.rule) == [.sequence])
    }

    @Test func auditExecInAnotherRunDoesNot() {
        let found = violations([
            start("primary", run: "r1", at: 500), auditExec("primary", run: "r1", at: 600),
            start("primary", run: "r2", at: 1_000), answer("primary", run: "r2", at: 2_000),
        ])
        #expect(found.map(\.rule) == [.auditBeforeResponse])
    }

    @Test func ledgerAgentMatchesRoleOrAgentIDInAnyCase() {
        let policy = Policy(roles: ["atlas": .primary], auditSlackMs: 500, auditGraceMs: 1_000)
        for writer in ["PRIMARY", "Atlas"] {
            var script = EventScript(policy: policy, state: quiet)
            script.run(start("atlas", run: "r", at: 1_000), ledger(writer, stamped: 1_200), answer("atlas", run: "r", at: 2_000))
            #expect(script.finish().isEmpty, "ledger agent \(writer)")
        }
    }

    @Test func anotherAgentsAppendDoesNotCount() {
        let found = violations([start("primary", run: "r", at: 1_000), ledger("secondary", stamped: 1_200), answer("primary", run: "r", at: 2_000)])
        #expect(found.map(\.rule) == [.auditBeforeResponse])
    }

    @Test func withoutLifecycleTheWindowStartsAfterThePreviousAnswer() {
        // One append cannot cover two answers of the same agent.
        let found = violations([ledger("primary", stamped: 900), answer("primary", run: "a", at: 1_000), answer("primary", run: "b", at: 2_000)])
        #expect(found.map(\.rule) == [.auditBeforeResponse])
        #expect(found.first?.runID == "b")
    }
}
