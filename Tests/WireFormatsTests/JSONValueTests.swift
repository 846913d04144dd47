import Testing

import WireFormats

@Suite struct JSONValueTests {
    @Test func parsesNestedValuesInOrder() throws {
        let value = try JSONValue.parse(#" {"b":[1,-2.5e3,true,false,null],"a":{"x":"\u00e9\ud83d\ude00\n"}} "#)
        #expect(value.members?.map(\.key) == ["b", "a"])
        #expect(value["b"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["a"]?["x"]?.stringValue == "é😀\n")
    }

    @Test(arguments: [
        ("", FrameError.Code.truncated, 0),
        (#"{"a":1"#, .truncated, 6),
        (#"{"a":1}x"#, .trailingGarbage, 7),
        (#"{"a":01}"#, .badNumber, 6),
        (#"{"a":-}"#, .badNumber, 6),
        (#"{"a":1.}"#, .badNumber, 7),
        (#"{"a":1e}"#, .badNumber, 7),
        (#"{"a":"\x"}"#, .badEscape, 6),
        (#"{"a":"\ud800"}"#, .badEscape, 6),
        (#"{"a":"\udc00"}"#, .badEscape, 6),
        (#"{"a":"\u12G4"}"#, .badEscape, 10),
        (#"{"a":tru}"#, .unexpectedByte, 8),
        (#"{"a":1,}"#, .unexpectedByte, 7),
        (#"{a:1}"#, .unexpectedByte, 1),
        (#"[1 2]"#, .unexpectedByte, 3),
        (#"NaN"#, .unexpectedByte, 0),
    ])
    func rejectsMalformed(_ text: String, _ code: FrameError.Code, _ offset: Int) {
        #expect(throws: FrameError(code, at: offset)) { try JSONValue.parse(text) }
    }

    @Test func rejectsRawControlCharacterAndBadUTF8() {
        #expect(throws: FrameError(.controlCharacter, at: 2)) { try JSONValue.parse(Array("[\"\u{01}\"]".utf8)) }
        #expect(throws: FrameError(.invalidUTF8, at: 2)) { try JSONValue.parse([0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D]) }
        #expect(throws: FrameError(.invalidUTF8, at: 3)) { try JSONValue.parse([0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D]) }
        #expect(throws: FrameError(.invalidUTF8, at: 2)) { try JSONValue.parse([0x5B, 0x22, 0xFF, 0x22, 0x5D]) }
    }

    @Test func capsNesting() {
        let deep = String(repeating: "[", count: JSONValue.maximumDepth + 1) + String(repeating: "]", count: JSONValue.maximumDepth + 1)
        #expect(throws: FrameError(.tooDeep, at: JSONValue.maximumDepth)) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    // Right-hand sides computed with python3: json.dumps(json.loads(x)).
    @Test(arguments: [
        ("1e5", "100000.0"), ("1.0E-7", "1e-07"), ("123456789012345678.0", "1.2345678901234568e+17"),
        ("0.0001", "0.0001"), ("-0.0", "-0.0"), ("2.50", "2.5"), ("1e16", "1e+16"),
        ("9999999999999998.0", "9999999999999998.0"), ("-0", "0"), ("12345678901234567890", "12345678901234567890"),
    ])
    func numbersRenderAsPython(_ source: String, _ python: String) throws {
        #expect(try JSONValue.parse(source).pythonJSONString(.canonical) == python)
    }

    @Test func duplicateKeysFollowPythonDict() throws {
        // python3: json.dumps(json.loads('{"b":1,"a":2,"b":3}')) == '{"b": 3, "a": 2}'
        let value = try JSONValue.parse(#"{"b":1,"a":2,"b":3}"#)
        #expect(value.pythonJSONString(.fileLine) == #"{"b": 3, "a": 2}"#)
        #expect(value.pythonJSONString(.canonical) == #"{"a":2,"b":3}"#)
    }

    @Test func keysSortByCodePointNotByUTF16() throws {
        // U+FF21 (fullwidth A) sorts before U+1F600 by code point; UTF-16 order would put the
        // emoji's surrogate 0xD83D first. python3 sort_keys agrees: {"Ａ":1,"😀":2}.
        let value = try JSONValue.parse(#"{"\ud83d\ude00":2,"\uff21":1}"#)
        #expect(value.pythonJSONString(.canonical) == #"{"Ａ":1,"😀":2}"#)
    }

    /// Every ASCII code point plus boundary scalars, against python3's `json.dumps(s)` and
    /// `json.dumps(s, ensure_ascii=False)` for s = chr(0)…chr(0x80) + "\xff\u2028\uffff\U00010000\U0010ffff".
    @Test func stringEscapingMatchesPythonForEveryASCIIByte() {
        var text = String(String.UnicodeScalarView((0...0x80).map { Unicode.Scalar(UInt8($0)) }))
        text += "\u{FF}\u{2028}\u{FFFF}\u{10000}\u{10FFFF}"
        let control = ##"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"##
        let ascii = "\"" + control + #"\u007f\u0080\u00ff\u2028\uffff\ud800\udc00\udbff\udfff"# + "\""
        let raw = "\"" + control + "\u{7F}\u{80}\u{FF}\u{2028}\u{FFFF}\u{10000}\u{10FFFF}\""
        #expect(JSONValue.string(text).pythonJSONString(.fileLine) == ascii)
        #expect(JSONValue.string(text).pythonJSONString(.canonical) == raw)
    }
}
