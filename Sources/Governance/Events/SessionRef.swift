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
        var key = sessionKey
        switch key.withUTF8(Self.agentKeyParts) {
        case .parts(let agent, let rest):
            self.init(sessionKey: key, agentID: agentID ?? agent, conversation: rest)
        case .notAnAgentKey:
            guard let agentID, !agentID.isEmpty else { return nil }
            self.init(sessionKey: key, agentID: agentID, conversation: key)
        case .malformed:
            return nil
        }
    }

    /// What the UTF-8 of a session key says about `agent:<agentId>:<rest>`.
    private enum AgentKey {
        case parts(agent: String, rest: String)
        case notAnAgentKey
        /// `agent:` with no agent or no rest.
        case malformed
    }

    /// Splits on byte offsets rather than String indices: this runs for every frame that
    /// names a session, and String index arithmetic cost more than the rest of the split.
    private static func agentKeyParts(_ utf8: UnsafeBufferPointer<UInt8>) -> AgentKey {
        let prefix: StaticString = "agent:"
        let prefixCount = prefix.utf8CodeUnitCount
        guard utf8.count >= prefixCount,
              utf8.prefix(prefixCount).elementsEqual(UnsafeBufferPointer(start: prefix.utf8Start, count: prefixCount))
        else { return .notAnAgentKey }
        guard let colon = utf8[prefixCount...].firstIndex(of: UInt8(ascii: ":")),
              colon > prefixCount, colon + 1 < utf8.count
        else { return .malformed }
        return .parts(
            agent: String(decoding: UnsafeBufferPointer(rebasing: utf8[prefixCount..<colon]), as: UTF8.self),
            rest: String(decoding: UnsafeBufferPointer(rebasing: utf8[(colon + 1)...]), as: UTF8.self))
    }
}
