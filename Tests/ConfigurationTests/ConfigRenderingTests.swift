import Governance
import Testing
@testable import Configuration

/// The effective-configuration renderers.
struct ConfigRenderingTests {
    let loader = ConfigLoader(home: "/home/op")

    @Test func renderedYAMLLoadsBackToTheSameConfiguration() throws {
        let source = """
            gateway:
              token_file: /etc/moses-coordinator/gateway.token
            roles: {main: primary, "odd: id": observer}
            rules:
              confirmation_word: "say \\"yes\\""
              prohibited_patterns:
                creative: [{name: x, phrases: ["a\\tb"], token_prefixes: [pre-]}]
                idk: []
            notifications:
              exec_program: /bin/true
            """
        let config = try #require(loader.load(text: source).config)
        let rendered = config.renderedYAML()
        let again = loader.load(text: rendered)
        #expect(again.diagnostics.isEmpty, "\(again.diagnostics)\n\(rendered)")
        #expect(again.config == config)
    }

    @Test func defaultsRenderAndReloadToDefaults() throws {
        let config = try #require(loader.load(text: "").config)
        #expect(loader.load(text: config.renderedYAML()).config == config)
    }

    @Test func credentialsInURLsAreRedacted() throws {
        let config = try #require(loader.load(text: """
            gateway:
              url: wss://user:hunter2@gw.example/ws?token=abc123
            notifications:
              webhook_url: https://hooks.example/path?secret=xyz789
            """).config)
        let yaml = config.renderedYAML()
        let json = config.effectiveTree().renderedJSON()
        for output in [yaml, json] {
            #expect(!output.contains("hunter2"))
            #expect(!output.contains("abc123"))
            #expect(!output.contains("xyz789"))
        }
        #expect(yaml.contains("wss://***@gw.example/ws?***"))
        #expect(yaml.contains("https://hooks.example/path?***"))
    }

    @Test func jsonEscapesAndKeepsOrder() {
        let value = ConfigValue.map([("b", .string("q\"\\\n\u{1}")), ("a", .list([.integer(1), .real(0.5), .null, .bool(true)]))])
        #expect(value.renderedJSON() == #"{"b":"q\"\\\n\u0001","a":[1,0.5,null,true]}"#)
    }
}
