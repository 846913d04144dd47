import Testing
@testable import Gateway
@testable import GatewaySimulator
@testable import WireFormats

/// The gateway killed and restarted mid-conversation: reconnect, resync, nothing twice,
/// nothing missed.
@Suite(.serialized) struct GatewayRestartTests {
    static let primary = "agent:primary:discord:group:1"
    static let secondary = "agent:secondary:discord:group:1"

    @Test func restartMidConversationResyncsWithoutDuplicates() async throws {
        let history = SimulatorHistory(sessions: [Self.primary, Self.secondary])
        let harness = try Harness(history: history)
        #expect(await waitUntil { harness.simulator.observations.requests["sessions.messages.subscribe"] == 2 })
        harness.simulator.send(
            Frames.agent(run: "run-p", seq: 1, session: Self.primary, stream: "lifecycle"),
            Frames.chatFinal(run: "run-p", seq: 2, session: Self.primary, text: "primary answers"),
            #"{"type":"event","event":"shutdown","payload":{"reason":"restart","restartExpectedMs":100}}"#
        )
        #expect(await waitUntil { harness.sink.count(containing: "primary answers") == 1 })
        let port = try #require(harness.simulator.port)
        harness.simulator.stop()
        #expect(await waitUntil {
            if case .waiting = harness.client.currentStatus { return true }
            return false
        })

        // The restarted gateway keeps its transcripts; the secondary answers while the
        // client is still away.
        var configuration = Harness.simulatorConfiguration()
        configuration.port = port
        let restarted = GatewaySimulator(configuration: configuration, history: history, logger: makeLogger())
        defer {
            harness.client.stop()
            restarted.stop()
        }
        try restarted.start()
        restarted.play([
            .record(json: Frames.chatFinal(run: "run-s", seq: 2, session: Self.secondary, text: "secondary answers"))!,
        ])
        #expect(await waitUntil { harness.sink.count(containing: "secondary answers") == 1 })
        #expect(await waitUntil { restarted.observations.requests["chat.history"] == 2 })
        // After the resync, live traffic continues.
        restarted.send(Frames.chatFinal(run: "run-o", seq: 2, session: Self.primary, text: "after restart"))
        #expect(await waitUntil { harness.sink.count(containing: "after restart") == 1 })

        #expect(harness.sink.count(containing: "primary answers") == 1)
        #expect(harness.sink.count(containing: "secondary answers") == 1)
        let resynced = try #require(harness.sink.messages.first { $0.text.contains("secondary answers") })
        #expect(resynced.delivery.origin == .resync(.shutdown) || resynced.delivery.origin == .resync(.reconnect))
        let counters = harness.client.counters.snapshot
        #expect(counters.resyncDuplicates == 1)
        #expect(counters.resyncMessages == 1)
        #expect(harness.sink.readyCount == 2)
    }
}
