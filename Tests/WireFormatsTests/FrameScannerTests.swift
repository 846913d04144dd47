import Testing

import WireFormats

@Suite struct FrameScannerTests {
    static func scan(_ text: String) throws(FrameError) -> ScannedFrame {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in
            Result { () throws(FrameError) -> ScannedFrame in try FrameScanner.scan(buffer) }
        }.get()
    }

    static func scan(_ bytes: [UInt8]) -> Result<ScannedFrame, FrameError> {
        bytes.withUnsafeBytes { buffer in
            Result { () throws(FrameError) -> ScannedFrame in try FrameScanner.scan(buffer) }
        }
    }

    /// The text of a span in `text`.
    static func slice(_ text: String, _ span: FrameSpan) -> String {
        let bytes = Array(text.utf8)
        return String(decoding: bytes[Int(span.start)..<Int(span.end)], as: UTF8.self)
    }

    static let toolFrame = #"{"type":"event","event":"agent","payload":{"runId":"run-7c2","seq":3,"stream":"tool","ts":1767225601500,"sessionKey":"agent:secondary:discord:group:1234","data":{"phase":"start","name":"exec","toolCallId":"call_1","args":{"command":"python3 audit_stub.py log --agent secondary","timeout":[1,{"x":null}]}}}}"#

    @Test func recordsNestedFieldSpans() throws {
        let frame = try Self.scan(Self.toolFrame)
        #expect(Self.slice(Self.toolFrame, frame.type) == #""event""#)
        #expect(Self.slice(Self.toolFrame, frame.event) == #""agent""#)
        #expect(Self.slice(Self.toolFrame, frame.runID) == #""run-7c2""#)
        #expect(Self.slice(Self.toolFrame, frame.payloadTS) == "1767225601500")
        #expect(frame.payloadTS.kind == .number)
        #expect(Self.slice(Self.toolFrame, frame.phase) == #""start""#)
        #expect(Self.slice(Self.toolFrame, frame.name) == #""exec""#)
        #expect(Self.slice(Self.toolFrame, frame.toolCallID) == #""call_1""#)
        #expect(Self.slice(Self.toolFrame, frame.command) == #""python3 audit_stub.py log --agent secondary""#)
        #expect(frame.payload.kind == .object && frame.payloadData.kind == .object)
        #expect(Self.slice(Self.toolFrame, frame.payload).hasPrefix(#"{"runId""#))
        #expect(frame.message.kind == .absent)
        #expect(frame.state.kind == .absent)
    }

    /// The fields the gateway client routes by come from the same scan the normalizer uses.
    @Test func recordsTheFieldsTheClientRoutesBy() throws {
        let frame = try Self.scan(Self.toolFrame)
        #expect(Self.slice(Self.toolFrame, frame.seq) == "3")
        #expect(frame.seq.kind == .number)
        #expect(Self.slice(Self.toolFrame, frame.sessionKey) == #""agent:secondary:discord:group:1234""#)
        let response = #"{"type":"res","id":"r-12","ok":false,"error":{"code":"X"}}"#
        let answer = try Self.scan(response)
        #expect(Self.slice(response, answer.id) == #""r-12""#)
        #expect(answer.ok.kind == .false)
        let message = #"{"type":"event","event":"session.message","payload":{"messageId":"m-1","sessionKey":"s","message":{"role":"user","content":"hi"}}}"#
        let transcript = try Self.scan(message)
        #expect(Self.slice(message, transcript.messageID) == #""m-1""#)
        #expect(transcript.id.kind == .absent && transcript.ok.kind == .absent && transcript.seq.kind == .absent)
    }

    @Test func findsFieldsInAnyOrderWithWhitespace() throws {
        let text = " {\n \"payload\" : { \"data\" : { \"phase\" : \"end\" } , \"stream\" : \"lifecycle\" } ,\t\"type\" : \"event\" } \r\n"
        let frame = try Self.scan(text)
        #expect(Self.slice(text, frame.type) == #""event""#)
        #expect(Self.slice(text, frame.stream) == #""lifecycle""#)
        #expect(Self.slice(text, frame.phase) == #""end""#)
    }

    @Test func walksWrappedCaptureRecords() throws {
        let text = #"{"source":"gateway","at":1767225601999,"data":{"type":"event","event":"tick","payload":{"ts":5}}}"#
        let frame = try Self.scan(text)
        #expect(Self.slice(text, frame.source) == #""gateway""#)
        #expect(Self.slice(text, frame.at) == "1767225601999")
        #expect(Self.slice(text, frame.event) == #""tick""#)
        #expect(Self.slice(text, frame.payloadTS) == "5")
        #expect(frame.data.kind == .object)
    }

    @Test func flagsEscapedStringsAndDecodesThem() throws {
        let text = #"{"type":"event","event":"chat","payload":{"message":{"content":[{"type":"text","text":"a\"b\u00e9\ud83d\ude00"},{"type":"image"},{"text":"!"}]}}}"#
        let frame = try Self.scan(text)
        #expect(!frame.type.hasEscapes)
        var parts: [String] = []
        Array(text.utf8).withUnsafeBytes { buffer in
            FrameScanner.forEachTextPart(in: buffer, content: frame.content) { span in
                #expect(span.hasEscapes == parts.isEmpty)
                parts.append(FrameBytes(buffer).decodedString(span))
            }
        }
        #expect(parts == ["a\"bé😀", "!"])
    }

    @Test(arguments: [
        ("", FrameError.Code.truncated, 0),
        (#"{"type":"event""#, .truncated, 15),
        (#"{"type":"ev"#, .truncated, 11),
        (#"{"type":"event"}x"#, .trailingGarbage, 16),
        (#"{"type":"event"},{}"#, .trailingGarbage, 16),
        (#"{"type":"\q"}"#, .badEscape, 9),
        (#"{"payload":{"x":"\u00zz"}}"#, .badEscape, 21),
        (#"{"payload":{"x":"\udd00"}}"#, .badEscape, 17),
        (#"{"payload":{"x":"\ud83dx"}}"#, .badEscape, 17),
        (#"{"ts":012}"#, .badNumber, 7),
        (#"{"ts":1.e3}"#, .badNumber, 8),
        (#"{"ts":-}"#, .badNumber, 7),
        (#"{"ts":+1}"#, .unexpectedByte, 6),
        (#"{"x":[1,]}"#, .unexpectedByte, 8),
        (#"{"x":{"a" 1}}"#, .unexpectedByte, 10),
        (#"{"x":[tru]}"#, .unexpectedByte, 9),
        (#"{"x":{}"#, .truncated, 7),
        (#"{"x":[[]"#, .truncated, 8),
        (#"{"x":[}"#, .unexpectedByte, 6),
        (#"{"x":{]}"#, .unexpectedByte, 6),
        (#"{'x':1}"#, .unexpectedByte, 1),
        (#"[1,2]"#, .notAnObject, 0),
        (#""str""#, .notAnObject, 0),
    ])
    func rejectsMalformed(_ text: String, _ code: FrameError.Code, _ offset: Int) {
        #expect(throws: FrameError(code, at: offset)) { try Self.scan(text) }
    }

    @Test func rejectsBadUTF8AndControlBytes() {
        let prefix = Array(#"{"payload":{"x":""#.utf8)
        let suffix = Array(#""}}"#.utf8)
        for bad: [UInt8] in [[0xC3], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80]] {
            guard case .failure(let error) = Self.scan(prefix + bad + suffix) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(error.code == .invalidUTF8)
        }
        guard case .failure(let error) = Self.scan(prefix + [0x09] + suffix) else {
            Issue.record("accepted a raw tab")
            return
        }
        #expect(error == FrameError(.controlCharacter, at: prefix.count))
        #expect((try? Self.scan(#"{"payload":{"x":"ok é 😀 \t"}}"#)) != nil)
    }

    @Test func capsNestingInKnownAndSkippedLevels() {
        let depth = FrameScanner.maximumDepth
        // Frame, payload, then arrays: the frame object itself is level 1.
        let fits = #"{"payload":{"x":"# + String(repeating: "[", count: depth - 2) + String(repeating: "]", count: depth - 2) + "}}"
        #expect((try? Self.scan(fits)) != nil)
        let tooDeep = #"{"payload":{"x":"# + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}}"
        #expect(throws: FrameError(.tooDeep, at: 16 + depth - 2)) { try Self.scan(tooDeep) }
        // A very deep input fails fast with tooDeep, not a stack overflow.
        let huge = "{\"a\":" + String(repeating: "[", count: 100_000)
        #expect(throws: FrameError.self) { try Self.scan(huge) }
    }

    /// Every prefix of valid frames must be rejected without crashing (only the full frame,
    /// or the full frame minus trailing whitespace, is valid).
    @Test func everyTruncationIsRejected() {
        for text in FrameNormalizerTests.allFrames {
            let bytes = Array(text.utf8)
            for length in 0..<bytes.count {
                if case .success = Self.scan(Array(bytes[..<length])) {
                    Issue.record("accepted a \(length)-byte prefix of \(text.prefix(40))")
                }
            }
            #expect((try? Self.scan(text)) != nil)
        }
    }

    /// Random byte mutations of valid frames: the scanner must never crash, and must accept
    /// exactly what the strict `JSONValue` parser accepts as an object.
    @Test func agreesWithTheStrictParserOnRandomMutations() {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array(#"{}[]",:\/u0123456789abcdefeEtrunl -+.x"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xF0, 0xFF]
        var accepted = 0
        for text in FrameNormalizerTests.allFrames {
            let original = Array(text.utf8)
            for _ in 0..<400 {
                var bytes = original
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    let position = Int(generator.next() % UInt64(bytes.count))
                    switch generator.next() % 3 {
                    case 0: bytes[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                    }
                    if bytes.isEmpty { bytes = [0x7B] }
                }
                let scanned = Self.scan(bytes)
                let parsed = try? JSONValue.parse(bytes)
                let parsedIsObject = parsed?.members != nil
                switch scanned {
                case .success:
                    accepted += 1
                    #expect(parsedIsObject, "scanner accepted what the parser rejects: \(String(decoding: bytes, as: UTF8.self))")
                case .failure(let error):
                    #expect(!parsedIsObject, "scanner rejected (\(error)) what the parser accepts: \(String(decoding: bytes, as: UTF8.self))")
                    #expect(error.offset >= 0 && error.offset <= bytes.count)
                }
            }
        }
        #expect(accepted > 0)
    }
}
