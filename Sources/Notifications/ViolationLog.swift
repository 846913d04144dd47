import Governance
import Logging

/// The one warning line every stored violation gets in the journal.
package enum ViolationLog {
    /// Log metadata keys (dotted, as the rest of the daemon's).
    package enum Key {
        package static let rule = "rule.id"
        package static let conversation = "conversation.id"
        package static let agent = "agent.id"
        package static let role = "agent.role"
        package static let expected = "violation.expected"
        package static let actual = "violation.actual"
    }

    /// Logs `violation` at warning level in one readable line: a constant message naming the
    /// rule's detail, with who, where and expected/actual as metadata.
    ///
    /// Call it after the violation is durable (from the writer's `onDurable`), so the log never
    /// names a violation the store does not have.
    package static func log(_ violation: Violation, to logger: Logger) {
        var metadata: Logger.Metadata = [
            Key.rule: "\(violation.rule.rawValue)",
            Key.conversation: "\(violation.conversation)",
            Key.agent: "\(violation.agentID)",
            Key.expected: "\(violation.expected)",
            Key.actual: "\(violation.actual)",
        ]
        if let role = violation.role { metadata[Key.role] = "\(role.rawValue)" }
        logger.warning("governance violation: \(violation.detail)", metadata: metadata)
    }
}
