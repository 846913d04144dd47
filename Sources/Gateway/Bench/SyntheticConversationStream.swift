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

    package init(conversations: Int = 1000, deltasPerRun: Int = 12) {
        self.conversations = max(1, conversations)
        self.deltasPerRun = deltasPerRun
    }

    /// Frames per run: start, deltas, tool (not for the observer), end, final chat.
    private var stepsThisRun: Int { deltasPerRun + (roleIndex == 2 ? 3 : 4) }

    /// Appends the next frame's bytes to `output` (cleared first).
    package mutating func next(into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        let role = Self.roles[roleIndex]
        let session = "agent:\(role):discord:group:\(conversation)"
        let run = "run-\(conversation)-\(cycle)-\(role)"
        let seq = step + 1
        ts += 3
        let last = stepsThisRun - 1
        let text: String
        if step == 0 {
            text = #"{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":\#(seq),"stream":"lifecycle","ts":\#(ts),"sessionKey":"\#(session)","data":{"phase":"start","startedAt":\#(ts)}}}"#
        } else if step <= deltasPerRun {
            text = #"{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":\#(seq),"stream":"assistant","ts":\#(ts),"sessionKey":"\#(session)","data":{"text":"Building on the previous answer","delta":" answer"}}}"#
        } else if step == deltasPerRun + 1 && roleIndex != 2 {
            text = #"{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":\#(seq),"stream":"tool","ts":\#(ts),"sessionKey":"\#(session)","data":{"phase":"start","name":"exec","toolCallId":"call-\#(seq)","args":{"command":"python3 audit_stub.py log --agent \#(role)"}}}}"#
        } else if step < last {
            text = #"{"type":"event","event":"agent","payload":{"runId":"\#(run)","seq":\#(seq),"stream":"lifecycle","ts":\#(ts),"sessionKey":"\#(session)","data":{"phase":"end","endedAt":\#(ts)}}}"#
        } else {
            // The gateway emits the chat final on lifecycle end, with the next run seq.
            text = #"{"type":"event","event":"chat","payload":{"runId":"\#(run)","sessionKey":"\#(session)","agentId":"\#(role)","seq":\#(seq),"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"\#(role) considered the incident and proposes step \#(cycle)"}],"timestamp":\#(ts)}}}"#
        }
        output.append(contentsOf: text.utf8)
        step += 1
        if step == stepsThisRun {
            step = 0
            roleIndex += 1
            if roleIndex == Self.roles.count {
                roleIndex = 0
                conversation += 1
                if conversation == conversations {
                    conversation = 0
                    cycle += 1
                }
            }
        }
    }
}
