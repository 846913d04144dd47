import Testing
@testable import Governance

@Suite struct DriftRuleTests {
    @Test func modeChangeMidCycleIsDrift() throws {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000))
        script.run(state(.unrestricted, .scout, at: 1_500))
        script.run(audited("secondary", run: "b", at: 2_000))
        script.run(audited("observer", run: "c", at: 3_000))
        let found = script.finish()
        let violation = try #require(found.first)
        #expect(found.count == 1, "reported once per cycle")
        #expect(violation.rule == .drift)
        #expect(violation.expected == "mode/posture unrestricted/offense until the cycle ends")
        #expect(violation.actual == "unrestricted/scout")
        #expect(violation.at == 2_000)
    }

    @Test func changeBetweenCyclesIsNotDrift() {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000), audited("secondary", run: "b", at: 2_000), audited("observer", run: "c", at: 3_000))
        script.run(state(.creative, .offense, at: 3_500))
        script.run(audited("primary", run: "d", at: 4_000), audited("secondary", run: "e", at: 5_000))
        #expect(script.finish().isEmpty)
    }

    @Test func roleChangeAloneIsNotDrift() {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000))
        script.run(state(.unrestricted, .offense, .secondary, at: 1_500))
        script.run(audited("secondary", run: "b", at: 2_000))
        #expect(script.finish().isEmpty)
    }

    @Test func repeatedBreaksWithoutInterventionAreDriftNormalized() throws {
        var script = EventScript(state: quiet)
        for index in 0..<3 {
            script.run(audited("observer", run: "o\(index)", at: Int64(1_000 * (index + 1))))
        }
        let found = script.finish()
        #expect(found.map(\.rule) == [.sequence, .sequence, .sequence, .drift])
        let drift = try #require(found.last)
        #expect(drift.actual == "3 sequence violations")
        #expect(drift.detail.contains("drift normalized"))
    }

    @Test func operatorMessageResetsTheCount() {
        var script = EventScript(state: quiet)
        script.run(audited("observer", run: "o1", at: 1_000), audited("observer", run: "o2", at: 2_000))
        script.run(operatorSays("Observer, wait for your turn.", at: 2_500))
        script.run(audited("observer", run: "o3", at: 3_000))
        #expect(script.finish().map(\.rule) == [.sequence, .sequence, .sequence])
    }

    @Test func stateChangeResetsTheCount() {
        var script = EventScript(state: quiet)
        script.run(audited("observer", run: "o1", at: 1_000), audited("observer", run: "o2", at: 2_000))
        script.run(state(.unrestricted, .offense, .secondary, at: 2_500))
        script.run(audited("observer", run: "o3", at: 3_000))
        #expect(script.finish().map(\.rule) == [.sequence, .sequence, .sequence])
    }

    @Test func limitIsConfigurable() {
        var script = EventScript(policy: Policy(auditGraceMs: 1_000, driftRepeatLimit: 2), state: quiet)
        script.run(audited("observer", run: "o1", at: 1_000), audited("observer", run: "o2", at: 2_000))
        #expect(script.finish().map(\.rule) == [.sequence, .sequence, .drift])
    }
}
