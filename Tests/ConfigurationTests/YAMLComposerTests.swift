import Testing
@testable import Configuration

/// The libyaml composer under the loader: YAML 1.1 typing of plain scalars, aliases,
/// documents, and positioned errors for what it refuses.
struct YAMLComposerTests {
    let loader = ConfigLoader(home: "/home/op")

    func scalar(_ text: String) throws -> YAMLScalar {
        try #require(try YAMLComposer.compose(text)?.scalar)
    }

    @Test func plainScalarsAreTypedAsYAML11() throws {
        for text in ["yes", "No", "ON", "off", "true", "FALSE"] { #expect(try scalar(text).tagName == .bool, "\(text)") }
        for text in ["0", "-12", "+12", "1_000", "0x1F", "0b101", "017", "0o17", "1:30"] {
            #expect(try scalar(text).tagName == .int, "\(text)")
        }
        for text in ["1.5", "-1.", ".5", "5e-1", "09", "1:30.5", ".inf", "-.Inf", ".NaN"] {
            #expect(try scalar(text).tagName == .float, "\(text)")
        }
        for text in ["~", "null", "NULL"] { #expect(try scalar(text).tagName == .null, "\(text)") }
        for text in ["y", "n", "yes please", "0x", "1e", "nil", "0b2"] { #expect(try scalar(text).tagName == .str, "\(text)") }
        #expect(try scalar("2001-12-14").tagName == .timestamp)
        #expect(try scalar("\"10\"").tagName == .str)
        #expect(try scalar("'yes'").tagName == .str)
        #expect(try scalar("!!int 10").tagName == .int)
        #expect(try scalar("!!str 10").tagName == .str)
    }

    @Test func numbersConvertAsWritten() throws {
        #expect(try scalar("0x1F").int64Value == 31)
        #expect(try scalar("0b101").int64Value == 5)
        #expect(try scalar("017").int64Value == 15)
        #expect(try scalar("0o17").int64Value == 15)
        #expect(try scalar("-1_000").int64Value == -1000)
        #expect(try scalar("9223372036854775807").int64Value == .max)
        #expect(try scalar("9223372036854775808").int64Value == nil)
        #expect(try scalar("!!int \"12\"").int64Value == nil)  // only plain scalars convert
        #expect(try scalar("1:30").int64Value == nil)  // base-60 is never multiplied out
        #expect(try scalar("1_0.5").doubleValue == 10.5)
        #expect(try scalar("-.inf").doubleValue == -.infinity)
        #expect(try scalar("On").boolValue == true)
        #expect(try scalar("!!str yes").boolValue == nil)
    }

    @Test func marksAreOneBasedLineAndColumn() throws {
        guard case .mapping(let top)? = try YAMLComposer.compose("store:\n  batch_rows: 10\n") else {
            Issue.record("expected a mapping"); return
        }
        guard case .mapping(let store) = top.pairs[0].value else { Issue.record("expected a mapping"); return }
        #expect(store.pairs[0].key.mark == YAMLMark(line: 2, column: 3))
        #expect(store.pairs[0].value.mark == YAMLMark(line: 2, column: 15))
    }

    @Test func anAliasIsTheAnchoredValue() throws {
        let result = loader.load(text: """
            rules:
              mutating_tools: &tools [exec, write]
              outbound_tools: *tools
            """)
        let config = try #require(result.config, "\(result.diagnostics)")
        #expect(config.policy.outboundTools == ["exec", "write"])
    }

    /// Nine levels of nine aliases stand for 9^9 strings; sharing the anchored node keeps
    /// the composed tree as small as the text, so this returns at once.
    @Test func billionLaughsComposeWithoutExpanding() throws {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        text += "rules:\n  mutating_tools: *i\n"
        let clock = ContinuousClock()
        let start = clock.now
        let result = loader.load(text: text)
        #expect(clock.now - start < .seconds(2))
        #expect(!result.isValid)
        #expect(result.errors.map(\.code).contains(.unknownKey))
        // The nine aliased lists are each refused as a list where a string belongs.
        #expect(result.errors.filter { $0.code == .wrongType }.count == 9)
    }

    /// What the composer refuses is one diagnostic, with libyaml's reason and position; a
    /// repeated key is reported at its first occurrence, by name.
    @Test(arguments: [
        ("store:\n  batch_rows: *nowhere\n", "2:15: error[syntax] found undefined alias"),
        ("store:\n  batch_rows: 1\n---\nstore: {}\n",
         "3:1: error[syntax] expected a single document in the stream: but found another document"),
        ("store:\n  batch_rows: [1, 2\n  batch_ms: 3\n",
         "3:11: error[syntax] while parsing a flow sequence: did not find expected ',' or ']'"),
        ("store:\n  batch_ms: 1\n  batch_rows: 2\n  batch_ms: 3\n",
         "2:3: error[duplicate-key] batch_ms: \"batch_ms\" set more than once in the same mapping; YAML keeps only one"),
    ])
    func refusedYAMLIsOnePositionedError(text: String, expected: String) {
        let result = loader.load(text: text)
        #expect(result.diagnostics.map(\.description) == [expected])
    }

    /// Deep nesting is refused before the tree is built, so neither composing nor freeing
    /// the tree can run out of stack.
    @Test func nestingIsCapped() throws {
        let depth = 100_000
        let result = loader.load(text: "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n")
        let error = try #require(result.errors.first)
        #expect(error.code == .syntax)
        #expect(error.line == 1 && error.column == 4 + YAMLComposer.maximumDepth - 1)
        #expect(loader.load(text: "a: " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "\n")
            .errors.map(\.code) == [.unknownKey])
    }
}
