import Testing
@testable import Governance

@Suite struct PostureRuleTests {
    func violations(_ posture: Posture, _ events: [GovernanceEvent]) -> [Violation] {
        var script = EventScript(state: GovernanceState(mode: .unrestricted, posture: posture, role: .primary))
        script.run(events)
        return script.finish()
    }

    @Test(arguments: ["exec", "write", "edit", "apply_patch", "message", "sessions_send", "process", "cron"])
    func scoutForbidsMutatingTools(name: String) throws {
        let found = violations(.scout, [tool("primary", name, command: "ls", run: "r", at: 1_000)])
        let violation = try #require(found.first)
        #expect(found.count == 1)
        #expect(violation.rule == .posture)
        #expect(violation.actual == name)
        #expect(violation.state.posture == .scout)
    }

    @Test func scoutAllowsReadingTools() {
        #expect(violations(.scout, [tool("primary", "read", run: "r", at: 1_000), tool("primary", "web_search", run: "r", at: 1_001)]).isEmpty)
    }

    @Test func scoutAllowsTheAuditExec() {
        #expect(violations(.scout, [auditExec("primary", run: "r", at: 1_000)]).isEmpty)
    }

    @Test func defenseNeedsConfirmationForOutboundTools() {
        #expect(violations(.defense, [tool("primary", "message", run: "r", at: 1_000)]).map(\.rule) == [.posture])
        #expect(violations(.defense, [tool("primary", "write", run: "r", at: 1_000)]).isEmpty, "defense guards outbound only")
    }

    @Test func earlierOperatorConfirmationAllowsOutbound() {
        #expect(violations(.defense, [operatorSays("CONFIRM send the report", at: 900), tool("primary", "sessions_send", run: "r", at: 1_000)]).isEmpty)
    }

    @Test func confirmationIsPerConversationAndMustComeFirst() {
        let found = violations(.defense, [
            operatorSays("CONFIRM", at: 900, in: "discord:group:other"),
            tool("primary", "message", run: "r", at: 1_000),
            operatorSays("CONFIRM", at: 1_100),
        ])
        #expect(found.map(\.rule) == [.posture])
    }

    @Test func offenseAllowsEverything() {
        #expect(violations(.offense, [tool("primary", "exec", command: "rm -rf build", run: "r", at: 1_000), tool("primary", "message", run: "r", at: 1_001)]).isEmpty)
    }

    @Test func oneCallAnnouncedTwiceIsJudgedOnce() {
        let found = violations(.scout, [
            tool("primary", "write", run: "r", id: "call_1", at: 1_000),
            tool("primary", "write", run: "r", id: "call_1", at: 1_001),
        ])
        #expect(found.count == 1)
    }
}

@Suite struct TextSearchTests {
    @Test func findsBytesExactly() {
        #expect(TextSearch.contains("python3 audit_stub.py log --agent x", "audit_stub.py"))
        #expect(TextSearch.contains("abc", ""))
        #expect(!TextSearch.contains("ab", "abc"))
        #expect(!TextSearch.contains("AUDIT_STUB.PY", "audit_stub.py"), "case-sensitive")
        #expect(TextSearch.contains("héllo wörld", "wö"))
        #expect(TextSearch.contains("aaab", "aab"), "restarts after a partial match")
        #expect(!TextSearch.contains("cafe\u{301}", "café"), "bytes, not canonical equivalence")
    }
}
