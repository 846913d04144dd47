import Logging
import Synchronization
import Testing
import TestSupport
@testable import Notifications

@Suite struct ViolationLogTests {
    /// One warning line per violation, with the rule, conversation and agent as metadata.
    @Test func logsOneWarningLine() {
        let handler = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        ViolationLog.log(Fixtures.violation(1), to: logger)
        let entries = handler.all
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

