/// `role`: a role overstepping its limits. An Observer may only flag: any tool call but the
/// audit append is a violation. A Secondary must not repeat Primary: a response whose word
/// set is at least `Policy.repetitionThreshold` similar to Primary's in the same cycle is a
/// violation.
enum RoleRule {
    static func judge(call: ToolCall, role: Role, isAuditCall: Bool, context: JudgingContext) -> Violation? {
        guard role == .observer, !isAuditCall else { return nil }
        return context.violation(
            .role, session: call.session, role: role,
            expected: "observer takes no action", actual: "tool \(call.name)",
            detail: "observer (\(call.session.agentID)) called tool \(call.name) in \(call.session.conversation); observers may only flag",
            runID: call.runID
        )
    }

    static func judge(
        response: Response, role: Role, words: WordSketch?, conversation: ConversationState,
        context: JudgingContext
    ) -> Violation? {
        guard role == .secondary, let primary = conversation.primaryWords, let words else { return nil }
        let similarity = words.similarity(to: primary)
        guard similarity >= context.policy.repetitionThreshold else { return nil }
        let percent = Int((similarity * 100).rounded())
        return context.violation(
            .role, session: response.session, role: role,
            expected: "secondary extends or challenges primary",
            actual: "\(percent)% of primary's words",
            detail: "secondary (\(response.session.agentID)) repeated primary in \(response.session.conversation) (word-set similarity \(percent)%)",
            runID: response.runID
        )
    }
}
