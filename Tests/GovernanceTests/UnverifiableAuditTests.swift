import Testing
@testable import Governance

/// Audit-before-response while the MO§ES ledger cannot be read: no verdict it cannot know.
@Suite struct UnverifiableAuditTests {
    let policy = Policy(sequence: [.primary], auditSlackMs: 500, auditGraceMs: 1_000, driftRepeatLimit: 3)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var events: [GovernanceEvent]
        var rules: [RuleID]
        var unverifiable: UInt64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no ledger: an unaudited answer is unverifiable",
             events: [ledgerReadable(false, at: 0), start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000)],
             rules: [], unverifiable: 1),
        Case(name: "no ledger: an audit exec still audits",
             events: [ledgerReadable(false, at: 0), start("primary", run: "r", at: 1_000), auditExec("primary", run: "r", at: 1_500), answer("primary", run: "r", at: 2_000)],
             rules: [], unverifiable: 0),
        Case(name: "no ledger: an audit exec after the answer, inside the run, still audits",
             events: [ledgerReadable(false, at: 0), start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000), auditExec("primary", run: "r", at: 2_500)],
             rules: [], unverifiable: 0),
        Case(name: "ledger appears: a later unaudited answer is flagged",
             events: [ledgerReadable(false, at: 0), answer("primary", run: "a", at: 1_000), ledgerReadable(true, at: 5_000),
                      start("primary", run: "b", at: 6_000), answer("primary", run: "b", at: 7_000)],
             rules: [.auditBeforeResponse], unverifiable: 1),
        Case(name: "ledger appears with the append inside the grace: satisfied",
             events: [ledgerReadable(false, at: 0), start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000),
                      ledgerReadable(true, at: 2_500), ledger("primary", stamped: 1_500, arriving: 2_600)],
             rules: [], unverifiable: 0),
        Case(name: "ledger lost before the decision: unverifiable",
             events: [start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000), ledgerReadable(false, at: 2_500)],
             rules: [], unverifiable: 1),
        Case(name: "ledger readable (the default): judged as before",
             events: [start("primary", run: "r", at: 1_000), answer("primary", run: "r", at: 2_000)],
             rules: [.auditBeforeResponse], unverifiable: 0),
        Case(name: "legacy responses: an append satisfies, no append is unverifiable",
             events: [ledger("primary", stamped: 500), answer("primary", at: 1_000, source: .legacy), answer("primary", at: 2_000, source: .legacy)],
             rules: [], unverifiable: 1),
        Case(name: "unverifiable audits are no drift strikes",
             events: [ledgerReadable(false, at: 0)]
                + (1...4).flatMap { n in [start("primary", run: "r\(n)", at: Int64(n) * 10_000), answer("primary", run: "r\(n)", at: Int64(n) * 10_000 + 100)] },
             rules: [], unverifiable: 4),
        Case(name: "judged audits are strikes again once the ledger is readable",
             events: [ledgerReadable(false, at: 0), start("primary", run: "r0", at: 1_000), answer("primary", run: "r0", at: 1_100), ledgerReadable(true, at: 5_000)]
                + (1...3).flatMap { n in [start("primary", run: "r\(n)", at: Int64(n) * 10_000), answer("primary", run: "r\(n)", at: Int64(n) * 10_000 + 100)] },
             rules: [.auditBeforeResponse, .auditBeforeResponse, .auditBeforeResponse, .drift], unverifiable: 1),
    ]

    @Test(arguments: cases)
    func verdict(_ test: Case) {
        var script = EventScript(policy: policy, state: quiet)
        let found = script.finish(test.events)
        #expect(found.map(\.rule) == test.rules)
        #expect(script.engine.counters.unverifiableAudits == test.unverifiable)
        #expect(script.engine.counters.violations(of: .auditBeforeResponse) == UInt64(test.rules.filter { $0 == .auditBeforeResponse }.count))
    }
}
