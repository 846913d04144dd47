/// `mode`: a response matching a pattern the active mode prohibits
/// (`Policy.prohibitedPatterns`); `unrestricted` checks nothing by default.
enum ModeRule {
    static func judge(response: Response, role: Role, context: JudgingContext) -> Violation? {
        guard let patterns = context.policy.prohibitedPatterns[context.state.mode], !patterns.isEmpty,
              !response.text.isEmpty else { return nil }
        let text = ProhibitedPattern.lowercasedUTF8(of: response.text)
        for pattern in patterns {
            guard let match = text.withUnsafeBufferPointer({ pattern.firstMatch(in: $0) }) else { continue }
            let mode = context.state.mode.rawValue
            return context.violation(
                .mode, session: response.session, role: role,
                expected: "no \(pattern.name) in \(mode)", actual: "\(pattern.name): \(match)",
                detail: "\(role.rawValue) (\(response.session.agentID)) response in \(response.session.conversation) breaks \(mode) mode (\(pattern.name))",
                runID: response.runID
            )
        }
        return nil
    }
}
