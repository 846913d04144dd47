import Testing
@testable import Governance

@Suite struct RoleRuleTests {
    @Test func observerThatActsIsAViolation() throws {
        var script = EventScript(state: quiet)
        let found = script.finish(tool("observer", "web_fetch", run: "r", at: 1_000))
        let violation = try #require(found.first)
        #expect(found.count == 1)
        #expect(violation.rule == .role)
        #expect(violation.role == .observer)
        #expect(violation.actual == "tool web_fetch")
    }

    @Test func observerMayRunTheAuditExec() {
        var script = EventScript(state: quiet)
        #expect(script.finish(auditExec("observer", run: "r", at: 1_000)).isEmpty)
    }

    @Test func otherRolesMayUseTools() {
        var script = EventScript(state: quiet)
        #expect(script.finish(tool("primary", "web_fetch", run: "a", at: 1_000), tool("secondary", "web_fetch", run: "b", at: 1_001)).isEmpty)
    }

    @Test func secondaryRepeatingPrimaryIsAViolation() throws {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000, text: "The deploy failed because the migration locked the users table."))
        script.run(audited("secondary", run: "b", at: 2_000, text: "the deploy failed because the migration locked the USERS table!"))
        let found = script.finish()
        let violation = try #require(found.first)
        #expect(found.count == 1)
        #expect(violation.rule == .role)
        #expect(violation.role == .secondary)
        #expect(violation.actual == "100% of primary's words")
    }

    @Test func secondaryExtendingPrimaryIsFine() {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000, text: "The deploy failed because the migration locked the users table."))
        script.run(audited("secondary", run: "b", at: 2_000, text: "Agreed on the lock, but the real cause is the missing index on users.email; add it concurrently."))
        #expect(script.finish().isEmpty)
    }

    @Test func thresholdIsConfigurable() {
        let texts = ("alpha beta gamma delta", "alpha beta gamma epsilon")   // Jaccard 3/5
        for (threshold, expected) in [(0.5, 1), (0.7, 0)] {
            var script = EventScript(policy: Policy(auditGraceMs: 1_000, repetitionThreshold: threshold), state: quiet)
            script.run(audited("primary", run: "a", at: 1_000, text: texts.0))
            script.run(audited("secondary", run: "b", at: 2_000, text: texts.1))
            #expect(script.finish().count == expected, "threshold \(threshold)")
        }
    }

    @Test func comparesWithPrimaryOfTheSameCycleOnly() {
        var script = EventScript(state: quiet)
        script.run(audited("primary", run: "a", at: 1_000, text: "same words here"))
        script.run(audited("secondary", run: "b", at: 2_000, text: "different take"))
        script.run(audited("observer", run: "c", at: 3_000, text: "flag nothing"))
        script.run(audited("primary", run: "d", at: 4_000, text: "new framing entirely"))
        script.run(audited("secondary", run: "e", at: 5_000, text: "same words here"))
        #expect(script.finish().isEmpty)
    }

    @Test func longTextsUseTheBoundedSketch() {
        let words = (0..<500).map { "word\($0)" }
        let primary = words.joined(separator: " ")
        let secondary = words.reversed().joined(separator: " ")
        #expect(WordSketch(text: primary).similarity(to: WordSketch(text: secondary)) == 1)
        let half = words.prefix(250).joined(separator: " ") + " " + (0..<250).map { "other\($0)" }.joined(separator: " ")
        let estimate = WordSketch(text: primary).similarity(to: WordSketch(text: half))
        #expect(estimate > 0.1 && estimate < 0.6, "true Jaccard is 1/3, got \(estimate)")
    }
}

@Suite struct WordSketchTests {
    @Test func shortTextsGiveExactJaccard() {
        let a = WordSketch(text: "primary considered the incident and proposes step 12")
        let b = WordSketch(text: "secondary considered the incident and proposes step 12")
        #expect(a.similarity(to: b) == 7.0 / 9.0)
        #expect(WordSketch(text: "").similarity(to: WordSketch(text: "")) == 0)
        #expect(WordSketch(text: "Same, same. SAME").similarity(to: WordSketch(text: "same")) == 1)
    }
}
