import Governance
import Testing

import WireFormats

@Suite struct FrameNormalizerTests {
    static let key = "agent:secondary:discord:group:1234"
    static let secondary = SessionRef(sessionKey: key, agentID: "secondary", conversation: "discord:group:1234")
    static let received: Int64 = 42

    /// Each frame kind of protocol v3/v4 and the legacy seed, with the event it must give.
    static let cases: [(frame: String, event: GovernanceEvent)] = [
        // agent lifecycle
        (#"{"type":"event","event":"agent","seq":812,"payload":{"runId":"run-7c2","seq":1,"stream":"lifecycle","ts":1767225601000,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"start","startedAt":1767225601000}}}"#,
         GovernanceEvent(at: 1_767_225_601_000, kind: .runStarted(RunStart(session: secondary, runID: "run-7c2")))),
        (#"{"type":"event","event":"agent","payload":{"runId":"hb-1","seq":1,"stream":"lifecycle","ts":5,"sessionKey":"agent:secondary:discord:group:1234","isHeartbeat":true,"data":{"phase":"start"}}}"#,
         GovernanceEvent(at: 5, kind: .runStarted(RunStart(session: secondary, runID: "hb-1", isHeartbeat: true)))),
        (#"{"type":"event","event":"agent","seq":820,"payload":{"runId":"run-7c2","seq":9,"stream":"lifecycle","ts":1767225605000,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"end","startedAt":1767225601000,"endedAt":1767225605000}}}"#,
         GovernanceEvent(at: 1_767_225_605_000, kind: .runEnded(RunEnd(session: secondary, runID: "run-7c2", isAborted: false)))),
        (#"{"type":"event","event":"agent","payload":{"runId":"run-7c2","seq":9,"stream":"lifecycle","ts":6,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"error","error":"boom"}}}"#,
         GovernanceEvent(at: 6, kind: .runEnded(RunEnd(session: secondary, runID: "run-7c2", isAborted: true)))),
        // agent tool stream
        (FrameScannerTests.toolFrame,
         GovernanceEvent(at: 1_767_225_601_500, kind: .toolCall(ToolCall(session: secondary, runID: "run-7c2", toolCallID: "call_1", name: "exec", command: "python3 audit_stub.py log --agent secondary")))),
        (#"{"type":"event","event":"agent","payload":{"runId":"r","seq":4,"stream":"tool","ts":7,"sessionKey":"agent:observer:discord:group:1234","data":{"phase":"start","name":"write","toolCallId":"c2","args":{"path":"/tmp/x","command":["not","a","string"]}}}}"#,
         GovernanceEvent(at: 7, kind: .toolCall(ToolCall(session: SessionRef(sessionKey: "agent:observer:discord:group:1234", agentID: "observer", conversation: "discord:group:1234"), runID: "r", toolCallID: "c2", name: "write", command: "")))),
        (#"{"type":"event","event":"agent","payload":{"runId":"r","seq":5,"stream":"tool","ts":8,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"result","name":"exec","toolCallId":"call_1","isError":false}}}"#,
         GovernanceEvent(at: 8, kind: .streamDelta)),
        // agent deltas and other streams
        (#"{"type":"event","event":"agent","seq":813,"payload":{"runId":"run-7c2","seq":2,"stream":"assistant","ts":1767225601400,"sessionKey":"agent:secondary:discord:group:1234","data":{"text":"Building on Primary","delta":"Building on Primary"}}}"#,
         GovernanceEvent(at: 1_767_225_601_400, kind: .streamDelta)),
        (#"{"type":"event","event":"agent","payload":{"runId":"r","seq":2,"stream":"thinking","ts":9,"data":{"delta":"hmm"}}}"#,
         GovernanceEvent(at: 9, kind: .streamDelta)),
        (#"{"type":"event","event":"agent","payload":{"runId":"r","seq":2,"stream":"compaction","ts":10,"data":{}}}"#,
         GovernanceEvent(at: 10, kind: .ignored)),
        // chat v4
        (#"{"type":"event","event":"chat","seq":814,"payload":{"runId":"run-7c2","sessionKey":"agent:secondary:discord:group:1234","agentId":"secondary","seq":2,"state":"delta","deltaText":"Building on Primary","message":{"role":"assistant","content":[{"type":"text","text":"Building on Primary"}],"timestamp":1767225601400}}}"#,
         GovernanceEvent(at: received, kind: .streamDelta)),
        (#"{"type":"event","event":"chat","seq":821,"payload":{"runId":"run-7c2","sessionKey":"agent:secondary:discord:group:1234","agentId":"secondary","seq":10,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"Building on Primary's framing, "},{"type":"image","url":"x"},{"type":"text","text":"\u00e9tude."}],"timestamp":1767225605000},"stopReason":"stop"}}"#,
         GovernanceEvent(at: 1_767_225_605_000, kind: .response(Response(session: secondary, runID: "run-7c2", text: "Building on Primary's framing, étude.", source: .chatFinal)))),
        // chat v4: payload.agentId wins over the key.
        (#"{"type":"event","event":"chat","payload":{"runId":"r9","sessionKey":"agent:main:discord:group:7","agentId":"observer","seq":3,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"flag"}]}},"ts":11}"#,
         GovernanceEvent(at: 11, kind: .response(Response(session: SessionRef(sessionKey: "agent:main:discord:group:7", agentID: "observer", conversation: "discord:group:7"), runID: "r9", text: "flag", source: .chatFinal)))),
        // chat v3: no agentId, content as a plain string.
        (#"{"type":"event","event":"chat","payload":{"runId":"r3","sessionKey":"agent:primary:discord:group:1234","seq":4,"state":"final","message":{"role":"assistant","content":"Primary frames it.","timestamp":12}}}"#,
         GovernanceEvent(at: 12, kind: .response(Response(session: SessionRef(sessionKey: "agent:primary:discord:group:1234", agentID: "primary", conversation: "discord:group:1234"), runID: "r3", text: "Primary frames it.", source: .chatFinal)))),
        // silent replies are no response
        (#"{"type":"event","event":"chat","payload":{"runId":"r4","sessionKey":"agent:primary:discord:group:1234","seq":5,"state":"final"}}"#,
         GovernanceEvent(at: received, kind: .ignored)),
        (#"{"type":"event","event":"chat","payload":{"runId":"r4","sessionKey":"agent:primary:discord:group:1234","seq":5,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":""}],"timestamp":13}}}"#,
         GovernanceEvent(at: 13, kind: .ignored)),
        (#"{"type":"event","event":"chat","payload":{"runId":"r5","sessionKey":"agent:secondary:discord:group:1234","seq":6,"state":"aborted","stopReason":"user"}}"#,
         GovernanceEvent(at: received, kind: .runEnded(RunEnd(session: secondary, runID: "r5", isAborted: true)))),
        (#"{"type":"event","event":"chat","payload":{"runId":"r6","sessionKey":"agent:secondary:discord:group:1234","seq":7,"state":"error","errorMessage":"rate limited","errorKind":"rate_limit"}}"#,
         GovernanceEvent(at: received, kind: .runEnded(RunEnd(session: secondary, runID: "r6", isAborted: true)))),
        // session.message
        (#"{"type":"event","event":"session.message","payload":{"sessionKey":"agent:secondary:discord:group:1234","agentId":"secondary","runId":"run-7c2","messageId":"m1","message":{"role":"assistant","content":[{"type":"text","text":"Done."}],"timestamp":14}}}"#,
         GovernanceEvent(at: 14, kind: .response(Response(session: secondary, runID: "run-7c2", text: "Done.", source: .sessionMessage)))),
        (#"{"type":"event","event":"session.message","payload":{"sessionKey":"agent:secondary:discord:group:1234","message":{"role":"assistant","content":"No run named."},"ts":15}}"#,
         GovernanceEvent(at: 15, kind: .response(Response(session: secondary, runID: nil, text: "No run named.", source: .sessionMessage)))),
        (#"{"type":"event","event":"session.message","payload":{"sessionKey":"agent:secondary:discord:group:1234","message":{"role":"user","content":[{"type":"text","text":"CONFIRM send"}],"timestamp":16}}}"#,
         GovernanceEvent(at: 16, kind: .operatorMessage(OperatorMessage(session: secondary, text: "CONFIRM send")))),
        (#"{"type":"event","event":"session.message","payload":{"sessionKey":"agent:secondary:discord:group:1234","message":{"role":"user","content":"hi","inputProvenance":{"kind":"inter_session","sourceSessionKey":"agent:primary:main"},"timestamp":17}}}"#,
         GovernanceEvent(at: 17, kind: .ignored)),
        (#"{"type":"event","event":"session.message","payload":{"sessionKey":"agent:secondary:discord:group:1234","message":{"role":"user","content":"[Inter-session message from primary isUser=false] hi","timestamp":18}}}"#,
         GovernanceEvent(at: 18, kind: .ignored)),
        (#"{"type":"event","event":"session.message","payload":{"sessionKey":"agent:secondary:discord:group:1234","message":{"role":"toolResult","content":"ok","timestamp":19}}}"#,
         GovernanceEvent(at: 19, kind: .ignored)),
        // session.tool
        (#"{"type":"event","event":"session.tool","payload":{"runId":"run-7c2","stream":"tool","ts":20,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"start","name":"exec","toolCallId":"call_1","args":{"command":"ls"}},"kind":"direct"}}"#,
         GovernanceEvent(at: 20, kind: .toolCall(ToolCall(session: secondary, runID: "run-7c2", toolCallID: "call_1", name: "exec", command: "ls")))),
        (#"{"type":"event","event":"session.tool","payload":{"runId":"run-7c2","stream":"tool","ts":21,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"update","partialResult":"…"}}}"#,
         GovernanceEvent(at: 21, kind: .streamDelta)),
        // sessions.changed, tick, shutdown
        (#"{"type":"event","event":"sessions.changed","payload":{"ts":22,"sessionKey":"agent:secondary:discord:group:1234","reason":"message","status":"running","activeRunIds":["run-7c2"]}}"#,
         GovernanceEvent(at: 22, kind: .sessionsChanged(secondary))),
        (#"{"type":"event","event":"sessions.changed","payload":{"ts":23,"reason":"bulk"}}"#,
         GovernanceEvent(at: 23, kind: .sessionsChanged(nil))),
        (#"{"type":"event","event":"tick","payload":{"ts":1767225615000}}"#,
         GovernanceEvent(at: 1_767_225_615_000, kind: .tick)),
        (#"{"type":"event","event":"shutdown","payload":{"reason":"restart","restartExpectedMs":5000}}"#,
         GovernanceEvent(at: received, kind: .shutdown)),
        // frames the engine ignores
        (#"{"type":"event","event":"presence","payload":{"presence":[]},"seq":9,"stateVersion":{"presence":12,"health":7}}"#,
         GovernanceEvent(at: received, kind: .ignored)),
        (#"{"type":"event","event":"connect.challenge","payload":{"nonce":"3f1c9e0a","ts":1767225600000}}"#,
         GovernanceEvent(at: received, kind: .ignored)),
        (#"{"type":"res","id":"r-3","ok":false,"error":{"code":"FORBIDDEN","message":"missing scope: operator.read"}}"#,
         GovernanceEvent(at: received, kind: .ignored)),
        // a cron session names no agent
        (#"{"type":"event","event":"chat","payload":{"runId":"c1","sessionKey":"cron:nightly","seq":1,"state":"final","message":{"role":"assistant","content":"report","timestamp":24}}}"#,
         GovernanceEvent(at: 24, kind: .ignored)),
        // legacy seed frames
        (#"{"type":"session_update","session_id":"s-1","agent":"primary"}"#,
         GovernanceEvent(at: received, kind: .response(Response(session: SessionRef(sessionKey: "s-1", agentID: "primary", conversation: "s-1"), runID: nil, text: "", source: .legacy)))),
        (#"{"type":"session_update","session_id":"s-1","agent":"observer","text":"noted","ts":25}"#,
         GovernanceEvent(at: 25, kind: .response(Response(session: SessionRef(sessionKey: "s-1", agentID: "observer", conversation: "s-1"), runID: nil, text: "noted", source: .legacy)))),
    ]

    static var allFrames: [String] { cases.map(\.frame) }

    @Test func everyFrameKindNormalizes() throws {
        var normalizer = FrameNormalizer()
        for (frame, expected) in Self.cases {
            let event = try normalizer.normalize(Array(frame.utf8), receivedAt: Self.received)
            #expect(event == expected, "\(frame)")
        }
        let counters = normalizer.counters
        #expect(counters.framesIn == UInt64(Self.cases.count))
        #expect(counters.eventsOut == UInt64(Self.cases.count))
        #expect(counters.withoutAgent == 1)
        #expect(counters.streamDeltas == 5)
        #expect(counters.responses == 7)
        #expect(counters.malformed == 0)
    }

    @Test(arguments: [
        (#"{"event":"agent","payload":{}}"#, FrameError(.missingField, at: 0, field: "type")),
        (#"{"type":7}"#, FrameError(.wrongType, at: 8, field: "type")),
        (#"{"type":"event","event":"agent"}"#, FrameError(.missingField, at: 0, field: "payload")),
        (#"{"type":"event","event":"agent","payload":{"stream":"lifecycle","sessionKey":"agent:a:b","data":{"phase":"start"}}}"#,
         FrameError(.missingField, at: 0, field: "payload.runId")),
        (#"{"type":"event","event":"agent","payload":{"runId":"r","stream":"lifecycle","sessionKey":"agent:a:b","data":"start"}}"#,
         FrameError(.wrongType, at: 108, field: "payload.data")),
        (#"{"type":"event","event":"agent","payload":{"runId":"r","stream":"tool","sessionKey":"agent:a:b","data":{"phase":"start"}}}"#,
         FrameError(.missingField, at: 0, field: "payload.data.name")),
        (#"{"type":"event","event":"tick","payload":{"ts":"yesterday"}}"#, FrameError(.badValue, at: 47)),
        (#"{"type":"session_update","agent":"primary"}"#, FrameError(.missingField, at: 0, field: "session_id")),
        (#"{"type":"session_update","session_id":"s","agent":""}"#, FrameError(.badValue, at: 50, field: "agent")),
        (#"{"type":"event","event":"chat","payload":{"runId":"r","sessionKey":"agent:a:b","state":"final","message":{"content":7}}}"#,
         FrameError(.wrongType, at: 116, field: "payload.message.content")),
    ])
    func refusesFramesWithBadFields(_ frame: String, _ expected: FrameError) {
        var normalizer = FrameNormalizer()
        #expect(throws: expected) { try normalizer.normalize(Array(frame.utf8), receivedAt: 0) }
        #expect(normalizer.counters.malformed == 1)
        #expect(normalizer.counters.eventsOut == 0)
    }

    @Test func refusesAndCountsOversizedAndMalformedFrames() {
        var normalizer = FrameNormalizer(maximumFrameBytes: 64)
        let big = #"{"type":"event","event":"tick","payload":{"ts":1,"pad":""# + String(repeating: "x", count: 64) + #""}}"#
        #expect(throws: FrameError(.oversized, at: 64)) { try normalizer.normalize(Array(big.utf8), receivedAt: 0) }
        #expect(throws: FrameError(.truncated, at: 15)) { try normalizer.normalize(Array(#"{"type":"event""#.utf8), receivedAt: 0) }
        #expect(normalizer.counters.oversized == 1)
        #expect(normalizer.counters.malformed == 1)
        #expect(normalizer.counters.framesIn == 2)
        #expect((try? normalizer.normalize(Array(#"{"type":"event","event":"tick","payload":{"ts":3}}"#.utf8), receivedAt: 0)) == GovernanceEvent(at: 3, kind: .tick))
    }

    /// The live path hands the normalizer the client's scan: the size cap still holds there.
    @Test func refusesAndCountsAnOversizedFrameScannedElsewhere() throws {
        var normalizer = FrameNormalizer(maximumFrameBytes: 64)
        let big = Array((#"{"type":"event","event":"tick","payload":{"ts":1,"pad":""# + String(repeating: "x", count: 64) + #""}}"#).utf8)
        try big.withUnsafeBytes { bytes in
            let frame = try FrameScanner.scan(bytes)
            #expect(throws: FrameError(.oversized, at: 64)) { try normalizer.normalize(scanned: frame, in: bytes, receivedAt: 0) }
        }
        #expect(normalizer.counters.oversized == 1)
        #expect(normalizer.counters.framesIn == 1)
    }

    @Test func escapedEventNamesStillMatch() throws {
        var normalizer = FrameNormalizer()
        let frame = #"{"type":"\u0065vent","event":"ti\u0063k","payload":{"ts":1}}"#
        #expect(try normalizer.normalize(Array(frame.utf8), receivedAt: 0) == GovernanceEvent(at: 1, kind: .tick))
    }

    @Test func metricNamesAreUniqueAndPrefixed() {
        let names = NormalizerCounters().metrics.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.hasPrefix("moses_normalize_") })
    }
}
