import Crypto
import Testing
@testable import Gateway
@testable import GatewaySimulator
@testable import WireFormats

/// The daemon restarted: the sessions active before its stop are re-read from
/// `chat.history`, and only what came after the judged boundary is handed on, once, in
/// event-time order across sessions.
@Suite(.serialized) struct GatewayRestartResyncTests {
    static let primary = "agent:primary:discord:group:9"
    static let secondary = "agent:secondary:discord:group:9"
    static let observer = "agent:observer:discord:group:9"
    static let elsewhere = "agent:primary:discord:group:elsewhere"

    static func chatFinal(run: String, session: String, text: String, at timestamp: Int64) -> OpaqueJSON {
        OpaqueJSON.decode(Array(#"{"type":"event","event":"chat","payload":{"runId":"\#(run)","sessionKey":"\#(session)","seq":2,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"\#(text)"}],"timestamp":\#(timestamp)}}}"#.utf8))!
    }

    /// What the daemon had judged: Primary's answer and an earlier Secondary answer;
    /// the Observer had not answered yet (its session is found through the conversation).
    static let judged = RestartResync(
        sessions: [
            primary: .init(judgedThrough: 1_000, judgedRunIDs: ["run-p1"]),
            secondary: .init(judgedThrough: 500, judgedRunIDs: ["run-s0"]),
        ],
        conversations: ["discord:group:9": 1_000]
    )

    @Test func restartHandsOnOnlyTheDowntimeOnceAndInTimeOrder() async throws {
        // Listed observer first, so its history answers before the secondary's.
        let history = SimulatorHistory(sessions: [Self.observer, Self.elsewhere, Self.primary, Self.secondary])
        history.record(Self.chatFinal(run: "run-s0", session: Self.secondary, text: "secondary earlier", at: 500))
        history.record(Self.chatFinal(run: "run-p1", session: Self.primary, text: "primary before the stop", at: 1_000))
        history.record(Self.chatFinal(run: "run-e1", session: Self.elsewhere, text: "an idle conversation", at: 900))
        // While the daemon was down.
        history.record(Self.chatFinal(run: "run-s1", session: Self.secondary, text: "secondary while down", at: 2_000))
        history.record(Self.chatFinal(run: "run-o1", session: Self.observer, text: "observer while down", at: 3_000))

        let harness = try Harness(client: { $0.restartResync = Self.judged }, history: history)
        defer { harness.stop() }
        #expect(await waitUntil { harness.sink.count(containing: "observer while down") == 1 })
        let restart = harness.sink.messages.filter { $0.delivery.origin == .resync(.restart) }
        #expect(restart.map { $0.delivery.sessionKey } == [Self.secondary, Self.observer])
        #expect(harness.sink.count(containing: "secondary while down") == 1)
        #expect(harness.sink.count(containing: "before the stop") == 0)
        #expect(harness.sink.count(containing: "secondary earlier") == 0)
        #expect(harness.sink.count(containing: "idle conversation") == 0)
        // The idle conversation is followed, not re-read.
        #expect(harness.simulator.observations.requests["chat.history"] == 3)
        var counters = harness.client.counters.snapshot
        #expect(counters.restartResyncs == 3)
        #expect(counters.restartJudgedRows == 2)
        #expect(counters.resyncMessages == 2)

        // A late live frame of a run handed on from history is not doubled; new ones pass.
        harness.simulator.send(
            #"{"type":"event","event":"chat","payload":{"runId":"run-o1","sessionKey":"\#(Self.observer)","seq":3,"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"observer while down"}],"timestamp":3000}}}"#,
            Frames.chatFinal(run: "run-p2", seq: 2, session: Self.primary, text: "primary after the restart")
        )
        #expect(await waitUntil { harness.sink.count(containing: "primary after the restart") == 1 })
        #expect(harness.sink.count(containing: "observer while down") == 1)

        // A later reconnect re-reads every session: the rows judged before the stop stay out.
        harness.simulator.play([.dropConnections])
        #expect(await waitUntil { harness.sink.readyCount == 2 })
        #expect(await waitUntil { harness.simulator.observations.requests["chat.history"] == 3 + 4 })
        #expect(await waitUntil { harness.client.counters.snapshot.restartJudgedRows == 2 + 2 })
        counters = harness.client.counters.snapshot
        #expect(harness.sink.count(containing: "before the stop") == 0)
        #expect(harness.sink.count(containing: "secondary earlier") == 0)
        #expect(harness.sink.count(containing: "while down") == 2)
        #expect(harness.sink.count(containing: "primary after the restart") == 1)
        // The idle conversation's row was never delivered, so a reconnect resync hands it on.
        #expect(await waitUntil { harness.sink.count(containing: "idle conversation") == 1 })
    }

    /// Live frames that arrive while the restart histories are still outstanding wait, and
    /// go on after the downtime's rows: the Observer answering live must not be judged
    /// before the Secondary's downtime answer it follows.
    @Test func liveFramesWaitForTheRestartResync() async throws {
        let history = SimulatorHistory(sessions: [Self.primary, Self.secondary, Self.observer])
        history.record(Self.chatFinal(run: "run-p1", session: Self.primary, text: "primary before the stop", at: 1_000))
        history.record(Self.chatFinal(run: "run-s1", session: Self.secondary, text: "secondary while down", at: 2_000))
        let simulator = GatewaySimulator(configuration: Harness.simulatorConfiguration(), history: history, logger: makeLogger())
        let port = try simulator.start()
        simulator.play(try Scenario(jsonLines: #"{"holdHistory":true}"#).steps)
        #expect(await waitUntil { simulator.observations.pendingSteps == 0 })
        let harness = try Harness(started: simulator, port: port, client: { $0.restartResync = Self.judged })
        defer { harness.stop() }
        let client = harness.client, sink = harness.sink
        // Every request made and every answer but the histories received: then the live frame.
        func isQuiet() -> Bool { client.counters.snapshot.framesIn == simulator.observations.messagesSent }
        #expect(await waitUntil {
            simulator.observations.requests["chat.history"] == 3
                && simulator.observations.requests["sessions.messages.subscribe"] == 3 && isQuiet()
        })
        let sentBefore = simulator.observations.messagesSent
        simulator.send(Frames.chatFinal(run: "run-o1", seq: 2, session: Self.observer, text: "observer live"))
        #expect(await waitUntil { simulator.observations.messagesSent == sentBefore + 1 && isQuiet() })
        #expect(sink.count(containing: "observer live") == 0)

        simulator.play([.holdHistory(false)])
        #expect(await waitUntil { sink.count(containing: "observer live") == 1 })
        let order = sink.messages.filter { $0.text.contains("while down") || $0.text.contains("observer live") }
        #expect(order.map(\.delivery.origin) == [.resync(.restart), .live])
        #expect(sink.count(containing: "before the stop") == 0)
        // A held live frame keeps its scan, and a history row is scanned as built.
        #expect(sink.messages.allSatisfy { $0.isScanOfMessage })
    }

    /// A gateway that answers no `sessions.list`: the sessions the store names are re-read.
    @Test func theStoresSessionsAreReReadWhenTheGatewayListsNone() async throws {
        let history = SimulatorHistory(sessions: [Self.primary, Self.secondary])
        history.record(Self.chatFinal(run: "run-p1", session: Self.primary, text: "primary before the stop", at: 1_000))
        history.record(Self.chatFinal(run: "run-s1", session: Self.secondary, text: "secondary while down", at: 2_000))
        let simulator = GatewaySimulator(configuration: Harness.simulatorConfiguration(), history: history, logger: makeLogger())
        let port = try simulator.start()
        simulator.play(try Scenario(jsonLines: #"{"refuse":"sessions.list"}"#).steps)
        #expect(await waitUntil { simulator.observations.pendingSteps == 0 })
        let harness = try Harness(started: simulator, port: port, client: { $0.restartResync = Self.judged })
        defer { harness.stop() }
        let client = harness.client, sink = harness.sink
        #expect(await waitUntil { sink.count(containing: "secondary while down") == 1 })
        #expect(sink.count(containing: "before the stop") == 0)
        #expect(simulator.observations.requests["chat.history"] == 2)
        #expect(client.counters.snapshot.rpcFailures == 1)
    }

    @Test func withNothingJudgedNothingIsReRead() async throws {
        let history = SimulatorHistory(sessions: [Self.primary])
        history.record(Self.chatFinal(run: "run-p1", session: Self.primary, text: "primary before the stop", at: 1_000))
        let harness = try Harness(history: history)
        defer { harness.stop() }
        #expect(await waitUntil { harness.simulator.observations.requests["sessions.messages.subscribe"] == 1 })
        harness.simulator.send(Frames.chatFinal(run: "run-p2", seq: 2, session: Self.primary, text: "live answer"))
        #expect(await waitUntil { harness.sink.count(containing: "live answer") == 1 })
        #expect(harness.simulator.observations.requests["chat.history"] == nil)
        #expect(harness.client.counters.snapshot.restartResyncs == 0)
    }

    /// History rows: run ids name judged rows whatever their time; rows stamped before
    /// the boundary, and rows at its time that name no unjudged run, were judged; every
    /// row up to the last judged one is left out.
    @Test(arguments: [
        // (rows as (runID, timestamp), first unjudged index)
        ([("run-a", 900), ("run-b", 1_000), ("run-c", 1_100)], 2),
        ([("run-a", 900), ("run-new", 1_000)], 1),
        ([(nil, 1_000), (nil, 1_001)], 1),
        ([("run-b", 5_000), (nil, 10)], 2),
        ([(nil, nil), ("run-b", 2_000), (nil, nil)], 2),
        ([("run-x", 1_500), ("run-y", 1_600)], 0),
        ([], 0),
    ] as [([(String?, Int64?)], Int)])
    func boundaryLeavesOutEverythingUpToTheLastJudgedRow(rows: [(String?, Int64?)], expected: Int) {
        let boundary = RestartResync.Boundary(judgedThrough: 1_000, judgedRunIDs: ["run-b"])
        let json = rows.map { runID, timestamp -> OpaqueJSON in
            var object: [String: OpaqueJSON] = ["role": .string("assistant")]
            if let runID { object["__openclaw"] = .object(["runId": .string(runID)]) }
            if let timestamp { object["timestamp"] = .integer(timestamp) }
            return .object(object)
        }
        #expect(boundary.firstUnjudgedIndex(of: json) == expected)
    }

    @Test func historyTimesAreReadAsTheNormalizerReadsThem() {
        #expect(RestartResync.timestamp(of: .object(["timestamp": .integer(42)])) == 42)
        #expect(RestartResync.timestamp(of: .object(["timestamp": .string("2026-01-01T00:00:01.500Z")])) == 1_767_225_601_500)
        #expect(RestartResync.timestamp(of: .object(["timestamp": .string("yesterday")])) == nil)
        #expect(RestartResync.timestamp(of: .object([:])) == nil)
    }
}
