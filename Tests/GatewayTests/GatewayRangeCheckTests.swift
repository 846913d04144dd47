import Testing
@testable import Gateway
@testable import WireFormats

/// Numbers in live frames that once trapped the client: refused where the client reads the
/// scanned frame, counted, and the frame still delivered (lws at both ends, on loopback).
@Suite(.serialized) struct GatewayRangeCheckTests {
    static let session = "agent:primary:discord:group:9"

    static func chatFinal(run: String, seq: String) -> String {
        #"{"type":"event","event":"chat","payload":{"runId":"\#(run)","sessionKey":"\#(session)","seq":\#(seq),"state":"final","message":{"role":"assistant","content":"answer","timestamp":1767225605000}}}"#
    }

    static func agent(run: String, seq: String) -> String {
        #"{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":\#(seq),"stream":"assistant","ts":1767225601000,"sessionKey":"\#(session)","data":{"text":"x"}}}"#
    }

    /// `payload.seq` 9223372036854775808 overflowed `value = product + digit` in the client;
    /// 9223372036854775807 passed, and the next frame of its run overflowed `highestSeq + 1`.
    @Test func aSeqPastWhatTheGatewayCanCountIsRejectedAndTheFrameGoesOn() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        harness.simulator.play([
            .garbage(Self.chatFinal(run: "run-big", seq: "9223372036854775808")),
            .garbage(Self.agent(run: "run-max", seq: "9223372036854775807")),
            .garbage(Self.agent(run: "run-max", seq: "1")),
            .garbage(Self.agent(run: "run-js", seq: "9007199254740992")),
            .garbage(Self.agent(run: "run-neg", seq: "-1")),
            .send(json: Frames.chatFinal(run: "run-after", seq: 2, session: Self.session, text: "still here"))!,
        ])
        #expect(await waitUntil { harness.sink.count(containing: "run-after") == 1 })
        let counters = harness.client.counters.snapshot
        #expect(counters.rejectedValues == 4)
        #expect(counters.malformed == 0)
        #expect(counters.reconnects == 0)
        #expect(harness.sink.count(containing: "run-big") == 1)
        #expect(harness.sink.count(containing: "run-max") == 2)
        #expect(harness.sink.count(containing: "run-js") == 1)
        #expect(counters.metrics.contains { $0.name == "moses_gateway_rejected_values_total" && $0.value == 4 })
    }

    /// A `session.message` with no `messageId` is remembered by its content, time included:
    /// a whole-number `timestamp` of 1e300 trapped in `Int64(value)`.
    @Test func aHugeWholeNumberTimestampInASessionMessageIsNoTrap() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        let message = #"{"type":"event","event":"session.message","payload":{"sessionKey":"\#(Self.session)","message":{"role":"assistant","content":"huge","timestamp":1e300}}}"#
        harness.simulator.play([
            .garbage(message),
            .garbage(message),
            .send(json: Frames.chatFinal(run: "run-after", seq: 2, session: Self.session, text: "still here"))!,
        ])
        #expect(await waitUntil { harness.sink.count(containing: "run-after") == 1 })
        #expect(harness.sink.count(containing: "1e300") == 1, "the second copy is a duplicate")
        #expect(harness.client.counters.snapshot.duplicates == 1)
        #expect(harness.client.counters.snapshot.reconnects == 0)
    }

    @Test func theLargestSeqAJavaScriptGatewayCanCountIsAccepted() throws {
        let text = Self.agent(run: "r", seq: "9007199254740991")
        let sequence = try Self.sequence(in: text)
        #expect(sequence.value == 9_007_199_254_740_991)
        #expect(!sequence.isRejected)
    }

    /// Only plain digits in range are a seq; a string or null is no seq at all (as the
    /// gateway never sends them, nothing to count).
    @Test func aSeqThatIsNotPlainDigitsIsRejectedAndAStringOrNullIsAbsent() throws {
        for refused in ["-1", "1.5", "1e3", "-0", "true", "[1]", "{}", "9007199254740992"] {
            let sequence = try Self.sequence(in: Self.agent(run: "r", seq: refused))
            #expect(sequence.value == nil && sequence.isRejected, "\(refused)")
        }
        for absent in [#""7""#, "null"] {
            let sequence = try Self.sequence(in: Self.agent(run: "r", seq: absent))
            #expect(sequence.value == nil && !sequence.isRejected, "\(absent)")
        }
        #expect(try Self.sequence(in: Self.agent(run: "r", seq: "0")).value == 0)
    }

    static func sequence(in text: String) throws -> RunSequence {
        try Array(text.utf8).withUnsafeBytes { bytes in
            RunSequence(of: try FrameScanner.scan(bytes), in: FrameBytes(bytes))
        }
    }
}
