#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Governance
import WireFormats

/// Inputs and the baseline for `moses-coordinator bench`: a deterministic, realistic capture
/// and a bare byte scan of it to compare the full parse path against.
///
/// Stateless; any thread.
package enum CaptureBenchmark {
    /// The roles the generated conversations cycle through, in MO§ES order.
    static let roles = ["primary", "secondary", "observer"]

    /// Generates a capture of `events` wrapped records (`CaptureWriter` lines) across
    /// `conversations` Discord groups (`agent:<role>:discord:group:<n>`), the same bytes for
    /// the same arguments.
    ///
    /// Each agent run is: lifecycle start; the audit exec (`audit_stub.py log`) as an agent
    /// tool start and result; the matching MO§ES ledger line (a valid hash chain); 30–50
    /// streaming deltas (agent `assistant` and v4 `chat` deltas, v4 chat deltas carrying the
    /// cumulative message); a chat final; the `session.message`; lifecycle end. Runs of the
    /// conversations interleave at random; a `tick` comes every 1,000 records and a `state`
    /// record every 100,000. About 85% of the records are deltas.
    ///
    /// - Returns: the capture, about 330 bytes per record. O(events) time and memory.
    package static func generateRealisticCapture(events: Int, conversations: Int, seed: UInt64) -> [UInt8] {
        precondition(events >= 0 && conversations > 0, "need a non-negative event count and a conversation")
        var generator = Generator(conversations: conversations, seed: seed)
        var output: [UInt8] = []
        output.reserveCapacity(events * 340)
        for _ in 0..<events { generator.appendRecord(to: &output) }
        return output
    }

    /// Counts the lines of `bytes` while doing the least any JSON parser must do with every
    /// byte: track whether it is inside a string (quotes, backslash escapes) and count the
    /// braces and brackets outside strings. A line counts when its nesting returns to zero.
    /// The baseline the scanner + normalizer rate is compared with.
    ///
    /// - Returns: the number of balanced non-empty lines.
    package static func bareScan(_ bytes: UnsafeRawBufferPointer) -> Int {
        var lines = 0
        var depth = 0
        var isInString = false
        var isEscaped = false
        var hasContent = false
        for byte in bytes {
            if isInString {
                if isEscaped {
                    isEscaped = false
                } else if byte == UInt8(ascii: "\\") {
                    isEscaped = true
                } else if byte == UInt8(ascii: "\"") {
                    isInString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): isInString = true; hasContent = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth &+= 1; hasContent = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth &-= 1
            case 0x0A:
                if depth == 0, hasContent { lines &+= 1 }
                depth = 0
                hasContent = false
            default: break
            }
        }
        if depth == 0, hasContent { lines &+= 1 }
        return lines
    }

    /// Runs `FrameScanner.scan` (validation and field spans, nothing else) over every line:
    /// the scanner's share of the full path.
    ///
    /// - Returns: the number of lines the scanner accepted.
    package static func scannerOnly(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var accepted = 0
        var start = 0
        while start < bytes.count {
            let end = memchr(base + start, 0x0A, bytes.count - start).map { UnsafeRawPointer($0) - base } ?? bytes.count
            if end > start, (try? FrameScanner.scan(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))) != nil {
                accepted &+= 1
            }
            start = end + 1
        }
        return accepted
    }

    /// `bareScan` over an array.
    package static func bareScan(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { bareScan($0) }
    }

    // MARK: Generation

    /// One conversation's place in its script: a few integers, so that generating for
    /// 100,000 conversations costs a few MB. The cumulative assistant text is rebuilt from
    /// `textSeed` and `wordCount` when needed instead of being stored.
    private struct Conversation {
        var group: Int32
        var roleIndex: Int32 = 0
        var run: Int32 = 0
        /// Position inside the current run's script; 0 = not started.
        var step: Int32 = 0
        var deltas: Int32 = 0
        var wordCount: Int32 = 0
        var textLength: Int32 = 0
        var textSeed: UInt64 = 0
    }

    private struct Generator {
        var random: SplitMix64
        var conversations: [Conversation]
        var time: Int64 = 1_767_225_600_000
        var records = 0
        var ledgerHash = MosesLedgerRecord.zeroHash
        var stateIndex = 0
        var textScratch: [UInt8] = []

        init(conversations count: Int, seed: UInt64) {
            random = SplitMix64(seed: seed)
            conversations = (0..<count).map { Conversation(group: Int32(1000 + $0)) }
        }

        mutating func appendRecord(to output: inout [UInt8]) {
            records += 1
            time += Int64(random.next() % 3)
            if records % 100_000 == 0 {
                stateIndex += 1
                let postures = ["defense", "offense", "scout"]
                append(.state, #"{"mode":"high-integrity","posture":"\#(postures[stateIndex % 3])","role":"primary"}"#, to: &output)
                return
            }
            if records % 1000 == 0 {
                append(.gateway, #"{"type":"event","event":"tick","payload":{"ts":\#(time)}}"#, to: &output)
                return
            }
            let index = Int(random.next() % UInt64(conversations.count))
            var conversation = conversations[index]
            advance(&conversation, to: &output)
            conversations[index] = conversation
        }

        mutating func advance(_ conversation: inout Conversation, to output: inout [UInt8]) {
            let role = CaptureBenchmark.roles[Int(conversation.roleIndex)]
            let key = "agent:\(role):discord:group:\(conversation.group)"
            let runID = "run-\(conversation.group)-\(conversation.run)"
            conversation.step += 1
            switch conversation.step {
            case 1:
                conversation.deltas = 30 + Int32(random.next() % 21)
                conversation.textSeed = random.next()
                conversation.wordCount = 0
                conversation.textLength = 0
                append(.gateway, #"{"type":"event","event":"agent","seq":\#(records),"payload":{"runId":"\#(runID)","seq":1,"stream":"lifecycle","ts":\#(time),"sessionKey":"\#(key)","data":{"phase":"start","startedAt":\#(time)}}}"#, to: &output)
            case 2:
                append(.gateway, #"{"type":"event","event":"agent","payload":{"runId":"\#(runID)","seq":2,"stream":"tool","ts":\#(time),"sessionKey":"\#(key)","data":{"phase":"start","name":"exec","toolCallId":"call-\#(records)","args":{"command":"python3 ~/.openclaw/skills/moses-governance/scripts/audit_stub.py log --agent \#(role) --action respond"}}}}"#, to: &output)
            case 3:
                append(.gateway, #"{"type":"event","event":"agent","payload":{"runId":"\#(runID)","seq":3,"stream":"tool","ts":\#(time),"sessionKey":"\#(key)","data":{"phase":"result","name":"exec","toolCallId":"call-\#(records)","isError":false}}}"#, to: &output)
            case 4:
                let record = MosesLedgerRecord.make(
                    timestampMicroseconds: time * 1000, agent: role, action: "respond",
                    detail: "run \(runID)", state: .default, previousHash: ledgerHash)
                ledgerHash = record.hash ?? ledgerHash
                append(.ledger, record.fileLine, to: &output)
            case 5..<(5 + conversation.deltas):
                let word: String
                if conversation.textLength < 160 {
                    word = Self.word(seed: conversation.textSeed, at: conversation.wordCount)
                    conversation.wordCount += 1
                    conversation.textLength += Int32(word.utf8.count) + 1
                } else {
                    word = CaptureBenchmark.words[Int(random.next() % UInt64(CaptureBenchmark.words.count))]
                }
                let text = self.text(of: conversation)
                let seq = conversation.step
                if conversation.step % 2 == 0 {
                    append(.gateway, #"{"type":"event","event":"agent","seq":\#(records),"payload":{"runId":"\#(runID)","seq":\#(seq),"stream":"assistant","ts":\#(time),"sessionKey":"\#(key)","data":{"text":"\#(text)","delta":"\#(word) "}}}"#, to: &output)
                } else {
                    append(.gateway, #"{"type":"event","event":"chat","seq":\#(records),"payload":{"runId":"\#(runID)","sessionKey":"\#(key)","agentId":"\#(role)","seq":\#(seq),"state":"delta","deltaText":"\#(word) ","message":{"role":"assistant","content":[{"type":"text","text":"\#(text)"}],"timestamp":\#(time)}}}"#, to: &output)
                }
            case 5 + conversation.deltas:
                let text = self.text(of: conversation)
                append(.gateway, #"{"type":"event","event":"chat","seq":\#(records),"payload":{"runId":"\#(runID)","sessionKey":"\#(key)","agentId":"\#(role)","seq":\#(conversation.step),"state":"final","message":{"role":"assistant","content":[{"type":"text","text":"\#(text)"}],"timestamp":\#(time)},"stopReason":"stop"}}"#, to: &output)
            case 6 + conversation.deltas:
                let text = self.text(of: conversation)
                append(.gateway, #"{"type":"event","event":"session.message","payload":{"sessionKey":"\#(key)","agentId":"\#(role)","runId":"\#(runID)","messageId":"m-\#(records)","message":{"role":"assistant","content":[{"type":"text","text":"\#(text)"}],"timestamp":\#(time)}}}"#, to: &output)
            default:
                append(.gateway, #"{"type":"event","event":"agent","seq":\#(records),"payload":{"runId":"\#(runID)","seq":\#(conversation.step),"stream":"lifecycle","ts":\#(time),"sessionKey":"\#(key)","data":{"phase":"end","startedAt":\#(time),"endedAt":\#(time)}}}"#, to: &output)
                conversation.step = 0
                conversation.run += 1
                conversation.roleIndex = (conversation.roleIndex + 1) % Int32(CaptureBenchmark.roles.count)
            }
        }

        /// Word `index` of the text seeded with `seed`.
        static func word(seed: UInt64, at index: Int32) -> String {
            var mixer = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            return CaptureBenchmark.words[Int(mixer.next() % UInt64(CaptureBenchmark.words.count))]
        }

        /// The conversation's cumulative assistant text so far.
        mutating func text(of conversation: Conversation) -> String {
            textScratch.removeAll(keepingCapacity: true)
            for index in 0..<conversation.wordCount {
                textScratch.append(contentsOf: Self.word(seed: conversation.textSeed, at: index).utf8)
                textScratch.append(UInt8(ascii: " "))
            }
            return String(decoding: textScratch, as: UTF8.self)
        }

        mutating func append(_ source: CaptureWriter.Source, _ data: String, to output: inout [UInt8]) {
            var data = data
            data.withUTF8 { CaptureWriter.appendRecord(source: source, at: time, data: $0, to: &output) }
        }
    }

    /// Words for generated assistant text (ASCII, nothing to escape).
    static let words = [
        "governance", "primary", "frames", "the", "task", "secondary", "extends", "observer", "flags",
        "audit", "ledger", "posture", "defense", "mode", "integrity", "source", "evidence", "plan",
        "step", "verify", "risk", "confirm", "scope", "result", "and", "with", "because", "so",
    ]
}
