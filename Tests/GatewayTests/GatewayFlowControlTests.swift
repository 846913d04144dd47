import Testing
@testable import Gateway
@testable import WireFormats

/// Pausing reading from the gateway (the store cannot write): nothing is delivered while
/// paused, the pause is not mistaken for a silent gateway, and everything sent meanwhile
/// arrives once reading resumes.
@Suite(.serialized) struct GatewayFlowControlTests {
    static let session = "agent:primary:discord:group:9"

    @Test func aPausedClientReadsNothingUntilResumedAndKeepsTheConnection() async throws {
        // Ticks every 200 ms: a watchdog counting the pause as silence would close in ~400 ms.
        let harness = try Harness(simulator: Harness.simulatorConfiguration(tickIntervalMs: 200))
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.readyClients == 1 })
        harness.client.setReadingPaused(true)
        #expect(await waitUntil { harness.client.counters.snapshot.readPauses == 1 })
        // Counted from the pause on: on a loaded machine a 200 ms tick can be late before it.
        let before = harness.client.counters.snapshot
        harness.simulator.play([
            .send(json: Frames.chatFinal(run: "run-while-paused", seq: 2, session: Self.session, text: "held back"))!,
        ])
        // Proving that nothing arrives takes time: several watchdog periods.
        try await Task.sleep(for: .milliseconds(1_200))
        #expect(harness.sink.count(containing: "run-while-paused") == 0)
        #expect(harness.client.counters.snapshot.tickTimeouts == before.tickTimeouts)

        harness.client.setReadingPaused(false)
        #expect(await waitUntil { harness.sink.count(containing: "run-while-paused") == 1 })
        let counters = harness.client.counters.snapshot
        #expect(counters.tickTimeouts == before.tickTimeouts)
        #expect(counters.reconnects == before.reconnects)
        #expect(counters.readPauses == 1)
        #expect(counters.metrics.contains { $0.name == "moses_gateway_read_pauses_total" && $0.value == 1 })
    }
}
