import Governance

extension Violation {
    /// The violation as a JSON object: the fields `replay` prints and the store keeps, with
    /// snake_case keys (the stable names of the SQL columns) and `time` in ISO-8601.
    package var jsonValue: JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        return .object([
            .init("at", .number(String(at))),
            .init("time", .string(LedgerTimestamp.string(fromMilliseconds: at))),
            .init("rule", .string(rule.rawValue)),
            .init("conversation", .string(conversation)),
            .init("session_key", .string(sessionKey)),
            .init("agent_id", .string(agentID)),
            .init("role", optional(role?.rawValue)),
            .init("expected", .string(expected)),
            .init("actual", .string(actual)),
            .init("detail", .string(detail)),
            .init("run_id", optional(runID)),
            .init("mode", .string(state.mode.rawValue)),
            .init("posture", .string(state.posture.rawValue)),
            .init("governance_role", .string(state.role.rawValue)),
        ])
    }

    /// One line of JSON (keys sorted, compact, UTF-8), without the newline.
    package var jsonLine: String { jsonValue.pythonJSONString(.canonical) }

    /// One line for a human: time, rule, the detail (which names who and where), and
    /// expected against actual.
    package var textLine: String {
        "\(LedgerTimestamp.string(fromMilliseconds: at)) \(rule.rawValue): \(detail) (expected \(expected); got \(actual))"
    }
}
