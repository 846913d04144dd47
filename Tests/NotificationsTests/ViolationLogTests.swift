import Logging
import Synchronization
import Testing
@testable import Notifications

@Suite struct ViolationLogTests {
    /// One warning line per violation, with the rule, conversation and agent as metadata.
    @Test func logsOneWarningLine() {
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        ViolationLog.log(Fixtures.violation(1), to: logger)
        let entries = handler.entries.withLock { $0 }
        #expect(entries.count == 1)
        let entry = entries[0]
        #expect(entry.level == .warning)
        #expect(entry.message == "governance violation: Observer answered before Secondary (#1).")
        #expect(entry.metadata[ViolationLog.Key.rule] == "sequence")
        #expect(entry.metadata[ViolationLog.Key.conversation] == "discord:group:1")
        #expect(entry.metadata[ViolationLog.Key.agent] == "observer")
        #expect(entry.metadata[ViolationLog.Key.role] == "observer")
        #expect(!entry.message.contains("\n"))
    }
}

/// Keeps every record, for assertions.
struct CapturingLogHandler: LogHandler {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    let entries = Box()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    final class Box: Sendable {
        let value = Mutex<[Entry]>([])
        func withLock<T>(_ body: (inout [Entry]) -> T) -> T { value.withLock { body(&$0) } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata.mapValues { "\($0)" }
        for (key, value) in event.metadata ?? [:] { merged[key] = "\(value)" }
        entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: merged)) }
    }
}
