import Testing
@testable import Configuration

/// The `log_level` key: each of swift-log's level names, a default of info, and a wrong
/// name refused with its position and the names it could have been.
struct LogLevelSettingTests {
    let loader = ConfigLoader(home: "/home/op")

    @Test func defaultIsInfo() throws {
        #expect(try #require(loader.load(text: "").config).logLevel == .info)
    }

    @Test func everyLevelNameIsRead() throws {
        for level in LogLevel.allCases {
            let config = try #require(loader.load(text: "log_level: \(level.rawValue)\n").config)
            #expect(config.logLevel == level)
            // And the effective configuration says it back in a form the loader reads again.
            #expect(try #require(loader.load(text: config.renderedYAML()).config).logLevel == level)
        }
    }

    @Test func unknownLevelIsAPositionedError() throws {
        let result = loader.load(text: "metrics:\n  address: null\nlog_level: verbose\n")
        #expect(result.config == nil)
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1, "\(result.diagnostics)")
        #expect(error.code == .unknownValue && error.keyPath == "log_level")
        #expect(error.line == 3 && error.column == 12, "\(error)")
        #expect("\(error)".contains("trace, debug, info, notice, warning, error, critical"), "\(error)")
    }

    @Test func aLevelMustBeAString() throws {
        let result = loader.load(text: "log_level: [debug]\n")
        #expect(result.config == nil)
        #expect(result.errors.first?.keyPath == "log_level" && result.errors.first?.line == 1, "\(result.diagnostics)")
    }
}
