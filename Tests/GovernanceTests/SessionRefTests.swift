import Testing
@testable import Governance

@Suite struct SessionRefTests {
    func split(_ key: String, _ agentID: String? = nil) -> [String]? {
        SessionRef(sessionKey: key, agentID: agentID).map { [$0.sessionKey, $0.agentID, $0.conversation] }
    }

    @Test func agentKeysSplitIntoAgentAndConversation() {
        #expect(split("agent:primary:discord:group:42") == ["agent:primary:discord:group:42", "primary", "discord:group:42"])
        #expect(split("agent:observer:discord:group:42")?.last == "discord:group:42", "one conversation for all agents")
        #expect(split("agent:primary:main", "Primary-2") == ["agent:primary:main", "Primary-2", "main"], "agentId wins")
        #expect(split("agent:prïmary:chät:é") == ["agent:prïmary:chät:é", "prïmary", "chät:é"])
    }

    @Test func agentKeysWithoutAgentOrRestNameNoSession() {
        for key in ["agent:", "agent:primary", "agent::rest", "agent:primary:"] {
            #expect(split(key) == nil, "\(key)")
            #expect(split(key, "primary") == nil, "\(key) with an agentId")
        }
    }

    @Test func otherKeysNeedAnAgentID() {
        #expect(split("cron:nightly") == nil)
        #expect(split("cron:nightly", "") == nil)
        #expect(split("cron:nightly", "ops") == ["cron:nightly", "ops", "cron:nightly"])
        #expect(split("agen", "ops") == ["agen", "ops", "agen"])
    }
}
