import Governance
import Testing
import WireFormats

/// A capture records when the MO§ES ledger could not be read, so a replay of it holds the
/// same audits unverifiable as the live run did.
@Suite struct LedgerReadableCaptureTests {
    @Test func writtenRecordsReadBackAsEvents() throws {
        let capture = CaptureWriter.record(source: .ledgerReadable, at: 1_000, data: CaptureWriter.ledgerReadableData(false))
            + CaptureWriter.record(source: .ledgerReadable, at: 2_000, data: CaptureWriter.ledgerReadableData(true))
        #expect(String(decoding: capture, as: UTF8.self).hasPrefix(#"{"source":"ledger_readable","at":1000,"data":{"readable""#))
        var reader = CaptureReader(bytes: capture)
        let items = try CaptureReaderTests.readAll(&reader)
        #expect(CaptureReaderTests.events(items) == [
            GovernanceEvent(at: 1_000, kind: .ledgerReadable(false)), GovernanceEvent(at: 2_000, kind: .ledgerReadable(true)),
        ])
        #expect(reader.counters.ledgerReadableRecords == 2)
    }

    @Test func aRecordWithoutABooleanIsRefused() throws {
        var reader = CaptureReader(bytes: Array(#"{"source":"ledger_readable","at":1,"data":{"readable":"yes"}}"#.utf8))
        let items = try CaptureReaderTests.readAll(&reader)
        #expect(CaptureReaderTests.refusals(items).map(\.code) == [.wrongType])
        #expect(reader.counters.malformed == 1)
    }

    @Test func replayedCaptureHoldsTheAuditsTheLiveRunHeld() throws {
        let session = SessionRef(sessionKey: "agent:primary:g", agentID: "primary", conversation: "g")
        let answer = GovernanceEvent(at: 2_000, kind: .response(Response(session: session, runID: "r", text: "x", source: .chatFinal)))
        let live = [GovernanceEvent(at: 1_000, kind: .ledgerReadable(false)), answer, GovernanceEvent(at: 9_000, kind: .tick)]
        var capture: [UInt8] = CaptureWriter.record(source: .ledgerReadable, at: 1_000, data: CaptureWriter.ledgerReadableData(false))
        capture += Array(#"{"source":"gateway","at":2000,"data":{"type":"event","event":"chat","payload":{"runId":"r","sessionKey":"agent:primary:g","agentId":"primary","seq":1,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"x"}],"timestamp":2000}},"seq":1}}"#.utf8) + [0x0A]
        capture += Array(#"{"type":"event","event":"tick","payload":{"ts":9000}}"#.utf8) + [0x0A]
        var reader = CaptureReader(bytes: capture)
        let replayed = CaptureReaderTests.events(try CaptureReaderTests.readAll(&reader))
        func judge(_ events: [GovernanceEvent]) -> (rules: [RuleID], unverifiable: UInt64) {
            var engine = GovernanceEngine(policy: Policy(auditGraceMs: 1_000))
            var found: [Violation] = []
            for event in events { engine.process(event, into: &found) }
            engine.finish(into: &found)
            return (found.map(\.rule), engine.counters.unverifiableAudits)
        }
        let (liveRules, liveUnverifiable) = judge(live)
        let (replayRules, replayUnverifiable) = judge(replayed)
        #expect(!liveRules.contains(.auditBeforeResponse) && liveUnverifiable == 1)
        #expect(replayRules == liveRules && replayUnverifiable == liveUnverifiable)
    }
}
