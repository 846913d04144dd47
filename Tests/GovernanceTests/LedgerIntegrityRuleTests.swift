import Testing
@testable import Governance

@Suite struct LedgerIntegrityRuleTests {
    @Test func intactChainIsClean() {
        var script = EventScript(state: quiet)
        let found = script.finish(
            ledger("primary", stamped: 1, hash: "a", previous: genesis, line: 1),
            ledger("secondary", stamped: 2, hash: "b", previous: "a", line: 2),
            ledger("observer", stamped: 3, hash: "c", previous: "b", line: 3))
        #expect(found.isEmpty)
        #expect(script.engine.counters.ledgerEntries == 3)
    }

    @Test func alteredEntryIsCaught() throws {
        var script = EventScript(state: quiet)
        let found = script.finish(
            ledger("primary", stamped: 1, hash: "a", previous: genesis, line: 1),
            ledger("secondary", stamped: 2, hash: "b", previous: "a", computed: "b2", line: 2))
        let violation = try #require(found.first)
        #expect(found.count == 1)
        #expect(violation.rule == .ledgerIntegrity)
        #expect(violation.expected == "hash b2")
        #expect(violation.detail.contains("line 2"))
        #expect(violation.conversation == "")
    }

    @Test func brokenLinkIsCaught() {
        var script = EventScript(state: quiet)
        let found = script.finish(
            ledger("primary", stamped: 1, hash: "a", previous: genesis, line: 1),
            ledger("secondary", stamped: 2, hash: "b", previous: "x", line: 2))
        #expect(found.map(\.expected) == ["previous_hash a"])
    }

    @Test func aNewChainMayStartAtAnOrigin() {
        var script = EventScript(state: quiet)
        let anchor = "5cda97fa2ad53e199618f5a610240888ae09d5a1e5e17b0d48c676d37dcda636"
        let found = script.finish(
            ledger("primary", stamped: 1, hash: "a", previous: genesis),
            ledger("", stamped: 2, hash: "g", previous: anchor),
            ledger("primary", stamped: 3, hash: "c", previous: genesis))
        #expect(found.isEmpty)
    }

    @Test func integrityBreaksDoNotCountTowardsDrift() {
        var script = EventScript(state: quiet)
        let found = script.finish(
            ledger("primary", stamped: 1, hash: "a", computed: "x"),
            ledger("primary", stamped: 2, hash: "b", computed: "x"),
            ledger("primary", stamped: 3, hash: "c", computed: "x"))
        #expect(found.map(\.rule) == [.ledgerIntegrity, .ledgerIntegrity, .ledgerIntegrity])
    }
}

@Suite struct LedgerChainSeedTests {
    @Test func theFirstNewLineMustLinkToTheSeededTip() {
        var script = EventScript(state: quiet)
        script.engine.seedLedgerChain(tip: "tip")
        let found = script.finish(ledger("primary", stamped: 1, hash: "a", previous: "elsewhere"))
        #expect(found.map(\.expected) == ["previous_hash tip"])
        var linked = EventScript(state: quiet)
        linked.engine.seedLedgerChain(tip: "tip")
        #expect(linked.finish(ledger("primary", stamped: 1, hash: "a", previous: "tip")).isEmpty)
    }
}
