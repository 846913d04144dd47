import Testing
@testable import Gateway
@testable import GatewaySimulator
@testable import WireFormats

/// What the client does with the stream: fragments, limits, garbage, silence.
@Suite(.serialized) struct GatewayStreamTests {
    static let session = "agent:primary:discord:group:7"

    @Test func fragmentedFrameIsReassembled() async throws {
        let harness = try Harness()
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        let long = String(repeating: "fragmented reply ", count: 500)
        let frame = Frames.chatFinal(run: "run-frag", seq: 3, session: Self.session, text: long)
        harness.simulator.play([.fragment(OpaqueJSON.decode(Array(frame.utf8))!, pieces: 7)])
        #expect(await waitUntil { harness.sink.count(containing: "run-frag") == 1 })
        let received = try #require(harness.sink.messages.first { $0.text.contains("run-frag") })
        #expect(received.text.contains(long))
        #expect(OpaqueJSON.decode(Array(received.text.utf8)) == OpaqueJSON.decode(Array(frame.utf8)))
        #expect(received.isScanOfMessage, "the client hands on its scan of the reassembled frame")
        #expect(harness.client.counters.snapshot.malformed == 0)
    }

    @Test func oversizedMessageIsDroppedAndTheConnectionStaysUp() async throws {
        var configuration = Harness.simulatorConfiguration()
        configuration.maxPayload = 16 * 1024
        let harness = try Harness(simulator: configuration)
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        harness.simulator.play([
            .oversized(bytes: 200 * 1024),
            .send(json: Frames.chatFinal(run: "run-after", seq: 2, session: Self.session, text: "still here"))!,
        ])
        #expect(await waitUntil { harness.sink.count(containing: "run-after") == 1 })
        let counters = harness.client.counters.snapshot
        #expect(counters.oversized == 1)
        #expect(counters.reconnects == 0)
        #expect(harness.sink.count(containing: "\"pad\"") == 0)
        #expect(harness.simulator.observations.accepted == 1)
    }

    @Test func garbageFramesAreCountedAndSkipped() async throws {
        // No tick within the test, however slow the machine: only the one good frame arrives.
        let harness = try Harness(simulator: Harness.simulatorConfiguration(tickIntervalMs: 600_000))
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        harness.simulator.play([
            .garbage("not json at all"),
            .garbage(#"{"type":"event","event":"chat","payload":{"unterminated"#),
            .garbage("[1,2,3]"),
            .send(json: Frames.chatFinal(run: "run-ok", seq: 2, session: Self.session, text: "fine"))!,
        ])
        #expect(await waitUntil { harness.sink.count(containing: "run-ok") == 1 })
        #expect(harness.client.counters.snapshot.malformed == 3)
        #expect(harness.sink.messages.count == 1)
        #expect(harness.client.counters.snapshot.reconnects == 0)
    }

    @Test func tickTimeoutClosesWith4000AndReconnects() async throws {
        let harness = try Harness(simulator: Harness.simulatorConfiguration(tickIntervalMs: 100))
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        // Ticks keep it alive for a while.
        try await Task.sleep(for: .milliseconds(400))
        #expect(harness.client.counters.snapshot.tickTimeouts == 0)
        harness.simulator.play([.ticks(false)])
        #expect(await waitUntil { harness.client.counters.snapshot.tickTimeouts >= 1 })
        #expect(await waitUntil { harness.simulator.observations.accepted >= 2 })
        #expect(harness.client.counters.snapshot.reconnects >= 1)
    }

    @Test func duplicateRunSeqIsDroppedAndAGapResyncs() async throws {
        let history = SimulatorHistory(sessions: [Self.session])
        let harness = try Harness(history: history)
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.requests["sessions.messages.subscribe"] == 1 })
        harness.simulator.play([
            .send(json: Frames.agent(run: "run-g", seq: 1, session: Self.session, stream: "lifecycle"))!,
            .send(json: Frames.agent(run: "run-g", seq: 1, session: Self.session, stream: "lifecycle"))!,
            // seq 2 (the final answer) is missed by this client but on record.
            .record(json: Frames.chatFinal(run: "run-g", seq: 2, session: Self.session, text: "missed answer"))!,
            .send(json: Frames.agent(run: "run-g", seq: 3, session: Self.session, stream: "lifecycle"))!,
        ])
        #expect(await waitUntil { harness.sink.count(containing: "missed answer") == 1 })
        let counters = harness.client.counters.snapshot
        #expect(counters.duplicates == 1)
        #expect(counters.gaps == 1)
        #expect(counters.resyncMessages == 1)
        let resynced = try #require(harness.sink.messages.first { $0.text.contains("missed answer") })
        #expect(resynced.delivery.origin == .resync(.gap))
        #expect(resynced.delivery.runID == "run-g")
        #expect(resynced.text.contains(#""event":"session.message""#))
    }

    @Test func newSessionsAnnouncedByChangesAreSubscribed() async throws {
        let harness = try Harness(client: { $0.governedAgents = ["primary", "observer"] })
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.requests["sessions.list"] == 1 })
        harness.simulator.send(
            Frames.sessionsChanged(session: "agent:observer:discord:group:9"),
            Frames.sessionsChanged(session: "agent:stranger:discord:group:9")
        )
        #expect(await waitUntil { harness.simulator.observations.requests["sessions.messages.subscribe"] == 1 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(harness.simulator.observations.requests["sessions.messages.subscribe"] == 1)
    }

    @Test func legacyClientIsClosedByAStrictGateway() async throws {
        // A seed-protocol client's {"type":"subscribe"} gets 1008, as from a real gateway.
        let harness = try Harness(client: { $0.protocolMode = .legacy })
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.rejections.contains("invalid request frame") })
        #expect(harness.simulator.observations.accepted == 0)
    }

    @Test func legacyProtocolDeliversSessionUpdates() async throws {
        var configuration = Harness.simulatorConfiguration()
        configuration.isLegacy = true
        let harness = try Harness(simulator: configuration, client: { $0.protocolMode = .legacy })
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        #expect(await waitUntil { harness.client.currentStatus == .ready(protocol: 0, scopes: []) })
        harness.simulator.send(#"{"type":"session_update","session_id":"s1","agent":"primary","content":"legacy hello"}"#)
        #expect(await waitUntil { harness.sink.count(containing: "legacy hello") == 1 })
    }
}
