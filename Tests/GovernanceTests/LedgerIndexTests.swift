import Testing
@testable import Governance

/// The engine's index of MO§ES ledger appends holds what the audit rule can still use, not
/// the ledger's history: a count, whatever the number of lines.
@Suite struct LedgerIndexTests {
    /// 300,000 lines by the three roles: at most the latest few per name are held.
    @Test func manyLinesByThreeAgentsKeepABoundedIndex() {
        var engine = GovernanceEngine(policy: Policy(auditGraceMs: 1_000), state: quiet)
        var violations: [Violation] = []
        let agents = ["primary", "secondary", "observer"]
        for index in 0..<300_000 {
            let at = Int64(1_767_225_600_000) + Int64(index)
            engine.process(ledger(agents[index % 3], stamped: at, hash: "h\(index)", previous: "h\(index - 1)", computed: "h\(index)"),
                           into: &violations)
            violations.removeAll(keepingCapacity: true)
        }
        #expect(engine.counters.ledgerEntries == 300_000)
        #expect(engine.retainedLedgerAgents == 3)
        #expect(engine.retainedLedgerAppends <= 3 * LedgerIndex.timesPerAgent)
    }

    /// A line from every name once (as a ledger of many one-off writers or junk names): a
    /// name is forgotten once idle for `conversationIdleMs`, so the index holds the names
    /// of the last idle period only, and a real agent appending after 100,000 other names
    /// is still indexed (the cap of names once kept it out for good).
    @Test func idleNamesAreForgottenAndDoNotCrowdOutAgentsAppendingNow() {
        let idleMs: Int64 = 60_000
        let policy = Policy(auditSlackMs: 500, auditGraceMs: 1_000, conversationIdleMs: idleMs)
        var script = EventScript(policy: policy, state: quiet)
        var at: Int64 = 1_000_000
        for index in 0..<100_000 {
            at += 100
            script.run(ledger("writer-\(index)", stamped: at))
        }
        // Names of the last minute of event time (600 at 10 a second), never near the cap.
        #expect(script.engine.retainedLedgerAgents <= Int(idleMs / 100) + 1)
        #expect(script.engine.retainedLedgerAppends <= Int(idleMs / 100) + 1)
        script.run(start("primary", run: "r", at: at + 1_000), ledger("primary", stamped: at + 1_100),
                   answer("primary", run: "r", at: at + 2_000))
        #expect(script.finish().isEmpty, "the append by primary was indexed")
    }
}
