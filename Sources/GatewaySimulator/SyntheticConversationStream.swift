import Gateway
import Runtime

/// An endless, realistic stream of OpenClaw event frames for load tests: conversations in
/// which Primary, Secondary and Observer each run (lifecycle start, assistant deltas, a
/// tool call, the final answer, lifecycle end) with per-run `seq` numbering, so a client
/// sees no duplicates and no gaps.
///
/// A value type owned by whoever sends (the simulator's service thread).
package struct SyntheticConversationStream: Sendable {
    package var conversations: Int
    package var deltasPerRun: Int
    private var conversation = 0
    private var cycle = 0
    private var roleIndex = 0
    private var step = 0
    private var ts: Int64 = 1_767_225_600_000
    private static let roles = ["primary", "secondary", "observer"]

    /// Stamp each frame with the wall clock at generation (latency runs: a violation's
    /// event time is then its send time); otherwise synthetic times 3 ms apart.
    package var stampsWallClock = false

    /// Speak the seed's toy protocol: one `session_update` response per frame, the
    /// conversations taking turns, each in order Primary → Secondary → Observer (so the
    /// stream breaks no sequence). The peer bench plays it to us and to the seed alike.
    package var isLegacy = false

    package init(conversations: Int = 1000, deltasPerRun: Int = 12, stampsWallClock: Bool = false) {
        self.conversations = max(1, conversations)
        self.deltasPerRun = deltasPerRun
        self.stampsWallClock = stampsWallClock
    }

    /// Frames per run: start, deltas, tool (not for the observer), end, final chat.
    private var stepsThisRun: Int { deltasPerRun + (roleIndex == 2 ? 3 : 4) }

    /// Writes the next frame's bytes into `output` (cleared first). Built from byte pieces,
    /// not string interpolation: the sender shares the machine with the client it measures.
    package mutating func next(into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        if isLegacy { return nextLegacy(into: &output) }
        let roleName = Self.roles[roleIndex]
        let seq = Int64(step + 1)
        ts = stampsWallClock ? WallClock.milliseconds() : ts + 3
        let last = stepsThisRun - 1
        func text(_ piece: StaticString) {
            output.append(contentsOf: UnsafeRawBufferPointer(start: piece.utf8Start, count: piece.utf8CodeUnitCount))
        }
        func number(_ value: Int64) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var rest = value
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[19 - count] = UInt8(truncatingIfNeeded: rest % 10) + 0x30
                    rest /= 10
                    count += 1
                } while rest > 0
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
            }
        }
        func role() { output.append(contentsOf: roleName.utf8) }
        func run() {
            text("run-"); number(Int64(conversation)); text("-"); number(Int64(cycle)); text("-"); role()
        }
        func session() {
            text("agent:"); role(); text(":discord:group:"); number(Int64(conversation))
        }
        func agentHead(_ stream: StaticString) {
            text(#"{"type":"event","event":"agent","payload":{"runId":""#); run()
            text(#"","seq":"#); number(seq)
            text(#","stream":""#); text(stream)
            text(#"","ts":"#); number(ts)
            text(#","sessionKey":""#); session()
            text(#"","data":"#)
        }
        if step == 0 {
            agentHead("lifecycle")
            text(#"{"phase":"start","startedAt":"#); number(ts); text("}}}")
        } else if step <= deltasPerRun {
            agentHead("assistant")
            text(#"{"text":"Building on the previous answer","delta":" answer"}}}"#)
        } else if step == deltasPerRun + 1 && roleIndex != 2 {
            agentHead("tool")
            text(#"{"phase":"start","name":"exec","toolCallId":"call-"#); run()
            text(#"","args":{"command":"python3 audit_stub.py log --agent "#); role(); text(#""}}}}"#)
        } else if step < last {
            agentHead("lifecycle")
            text(#"{"phase":"end","endedAt":"#); number(ts); text("}}}")
        } else {
            // The gateway emits the chat final on lifecycle end, with the next run seq.
            text(#"{"type":"event","event":"chat","payload":{"runId":""#); run()
            text(#"","sessionKey":""#); session()
            text(#"","agentId":""#); role()
            text(#"","seq":"#); number(seq)
            text(#","state":"final","message":{"role":"assistant","content":[{"type":"text","text":""#); role()
            text(" considered the incident and proposes step "); number(Int64(cycle))
            text(#""}],"timestamp":"#); number(ts); text("}}}")
        }
        // Steps of a run, then roles, then conversations, then cycles, like an odometer.
        let steps = stepsThisRun
        if Self.carry(&step, at: steps), Self.carry(&roleIndex, at: Self.roles.count), Self.carry(&conversation, at: conversations) {
            cycle += 1
        }
    }

    /// Each role's answer, distinct enough that Secondary never repeats Primary.
    private static let legacyAnswers: [StaticString] = [
        "proposes to restart the ingest worker first",
        "checks the queue depth before any restart",
        "records that both steps were logged",
    ]

    /// The next `{"type":"session_update","session_id":S,"agent":A,"text":T,"ts":ms}`.
    private mutating func nextLegacy(into output: inout [UInt8]) {
        ts = stampsWallClock ? WallClock.milliseconds() : ts + 3
        let answer = Self.legacyAnswers[roleIndex]
        output.append(contentsOf: #"{"type":"session_update","session_id":"s-"#.utf8)
        output.append(contentsOf: String(conversation).utf8)
        output.append(contentsOf: #"","agent":""#.utf8)
        output.append(contentsOf: Self.roles[roleIndex].utf8)
        output.append(contentsOf: #"","text":""#.utf8)
        output.append(contentsOf: UnsafeRawBufferPointer(start: answer.utf8Start, count: answer.utf8CodeUnitCount))
        output.append(contentsOf: #"","ts":"#.utf8)
        output.append(contentsOf: String(ts).utf8)
        output.append(0x7d)
        // Every conversation hears one role before any hears the next.
        if Self.carry(&conversation, at: conversations), Self.carry(&roleIndex, at: Self.roles.count) {
            cycle += 1
        }
    }

    /// Adds one to `value`; at `limit` it goes back to 0 and returns true (the next one carries).
    private static func carry(_ value: inout Int, at limit: Int) -> Bool {
        value += 1
        guard value == limit else { return false }
        value = 0
        return true
    }
}
