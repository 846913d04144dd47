/// Who spoke where: an OpenClaw session key split into the agent and the conversation.
///
/// Several agents in one group chat each have their own session key
/// (`agent:primary:discord:group:42`, `agent:observer:discord:group:42`); the MO§ES
/// conversation is the shared `<rest>` after `agent:<agentId>:`.
package struct SessionRef: Sendable, Hashable {
    /// The full OpenClaw session key, or the legacy `session_id`.
    package var sessionKey: String
    /// The OpenClaw agent id (`payload.agentId`, else the key's second field).
    package var agentID: String
    /// The conversation shared by the agents: the key's `<rest>`, or the legacy `session_id`.
    package var conversation: String

    package init(sessionKey: String, agentID: String, conversation: String) {
        self.sessionKey = sessionKey
        self.agentID = agentID
        self.conversation = conversation
    }

    /// Splits a session key of the form `agent:<agentId>:<rest>`.
    ///
    /// - Parameters:
    ///   - sessionKey: the OpenClaw session key.
    ///   - agentID: `payload.agentId` when the frame carries one; it wins over the key.
    /// - Returns: nil when no agent can be found (e.g. `cron:<job>` with no agentId).
    package init?(sessionKey: String, agentID: String? = nil) {
        let utf8 = sessionKey.utf8
        if utf8.starts(with: "agent:".utf8) {
            let afterPrefix = utf8.index(utf8.startIndex, offsetBy: 6)
            guard let colon = utf8[afterPrefix...].firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let keyAgent = String(sessionKey[afterPrefix..<colon])
            let rest = String(sessionKey[utf8.index(after: colon)...])
            guard !keyAgent.isEmpty, !rest.isEmpty else { return nil }
            self.init(sessionKey: sessionKey, agentID: agentID ?? keyAgent, conversation: rest)
        } else if let agentID, !agentID.isEmpty {
            self.init(sessionKey: sessionKey, agentID: agentID, conversation: sessionKey)
        } else {
            return nil
        }
    }
}
