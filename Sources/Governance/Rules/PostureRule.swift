/// `posture`: in `scout`, mutating tool calls are violations (the audit append excepted);
/// in `defense`, outbound tools need an earlier operator message containing the
/// confirmation word in that conversation.
enum PostureRule {
    static func judge(
        call: ToolCall, role: Role?, isAuditCall: Bool, conversation: ConversationState,
        context: JudgingContext
    ) -> Violation? {
        let policy = context.policy
        switch context.state.posture {
        case .scout where policy.mutatingTools.contains(call.name) && !isAuditCall:
            return context.violation(
                .posture, session: call.session, role: role,
                expected: "no mutating tool in scout", actual: call.name,
                detail: "\(call.session.agentID) called mutating tool \(call.name) in \(call.session.conversation) while the posture is scout",
                runID: call.runID
            )
        case .defense where policy.outboundTools.contains(call.name) && !conversation.hasOperatorConfirmation:
            return context.violation(
                .posture, session: call.session, role: role,
                expected: "operator \(policy.confirmationWord) before \(call.name)", actual: call.name,
                detail: "\(call.session.agentID) called outbound tool \(call.name) in \(call.session.conversation) with no operator \(policy.confirmationWord) while the posture is defense",
                runID: call.runID
            )
        default:
            return nil
        }
    }
}
