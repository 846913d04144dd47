import Testing
@testable import Configuration

/// `gateway.restart_resync_window_ms` and `gateway.restart_resync_conversations`: how much
/// of what was active before a stop is re-read at start.
struct RestartResyncSettingsTests {
    let loader = ConfigLoader(home: "/home/op")

    @Test func defaultsAreADayAndAThousandConversations() throws {
        let gateway = try #require(loader.load(text: "").config).gateway
        #expect(gateway.restartResyncWindowMs == 86_400_000)
        #expect(gateway.restartResyncConversations == 1_000)
    }

    @Test func valuesAreReadAndRendered() throws {
        let result = loader.load(text: """
            gateway:
              restart_resync_window_ms: 3600000
              restart_resync_conversations: 0
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.gateway.restartResyncWindowMs == 3_600_000)
        #expect(config.gateway.restartResyncConversations == 0)
        guard case .map(let top) = config.effectiveTree(), case .map(let gateway)? = top.first(where: { $0.0 == "gateway" })?.1 else {
            Issue.record("no gateway section rendered")
            return
        }
        #expect(gateway.first { $0.0 == "restart_resync_window_ms" }?.1 == .integer(3_600_000))
        #expect(gateway.first { $0.0 == "restart_resync_conversations" }?.1 == .integer(0))
    }

    @Test func outOfRangeOrMistypedValuesAreErrors() {
        let result = loader.load(text: """
            gateway:
              restart_resync_window_ms: -1
              restart_resync_conversations: lots
            """)
        #expect(result.errors.map(\.code) == [.outOfRange, .wrongType])
        #expect(result.errors.map(\.keyPath) == ["gateway.restart_resync_window_ms", "gateway.restart_resync_conversations"])
        #expect(result.errors.map(\.line) == [2, 3])
    }
}
