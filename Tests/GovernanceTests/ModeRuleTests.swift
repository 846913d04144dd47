import Testing
@testable import Governance

@Suite struct ModeRuleTests {
    func violations(_ mode: Mode, _ text: String) -> [Violation] {
        var script = EventScript(state: GovernanceState(mode: mode, posture: .offense, role: .primary))
        script.run(audited("primary", run: "r", at: 1_000, text: text))
        return script.finish()
    }

    @Test func highSecurityFlagsPrivateKeyBlocks() throws {
        let found = violations(.highSecurity, "Here it is:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
        let violation = try #require(found.first)
        #expect(violation.rule == .mode)
        #expect(violation.actual.hasPrefix("secret"))
        #expect(violation.state.mode == .highSecurity)
    }

    @Test func highSecurityFlagsAPITokens() {
        #expect(violations(.highSecurity, "use sk-proj-4f9d8a7b6c5e4d3c2b1a0f9e8d7c").map(\.rule) == [.mode])
        #expect(violations(.highSecurity, "the sk-8 model and ghp_short are fine").isEmpty, "too short to be a token")
    }

    @Test func highIntegrityFlagsUnhedgedCertainty() {
        #expect(violations(.highIntegrity, "This is definitely the cause.").map(\.rule) == [.mode])
        #expect(violations(.highIntegrity, "This is definitely the cause (source: https://example.org/postmortem).").isEmpty)
        #expect(violations(.highIntegrity, "This is indefinitely postponed.").isEmpty, "matches on word boundaries")
    }

    @Test func unrestrictedChecksNothing() {
        #expect(violations(.unrestricted, "definitely -----BEGIN RSA PRIVATE KEY----- sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").isEmpty)
    }

    @Test func patternsAreConfiguration() {
        let custom = ProhibitedPattern(name: "codename", phrases: ["project bluebird"])
        var script = EventScript(
            policy: Policy(auditGraceMs: 1_000, prohibitedPatterns: [.creative: [custom]]),
            state: GovernanceState(mode: .creative, posture: .offense, role: .primary))
        script.run(audited("primary", run: "r", at: 1_000, text: "About Project Bluebird: it ships."))
        #expect(script.finish().map(\.actual) == ["codename: project bluebird"])
    }

    @Test func reportsTheFirstPhraseInListOrderWhereverItStands() {
        let pattern = ProhibitedPattern(name: "p", phrases: ["certainly", "definitely", "sure"])
        func match(_ text: String) -> String? {
            ProhibitedPattern.lowercasedUTF8(of: text).withUnsafeBufferPointer { pattern.firstMatch(in: $0) }
        }
        #expect(match("Definitely, and certainly.") == "certainly")
        #expect(match("definitely; surely not") == "definitely", "surely is no word match for sure")
        #expect(match("I am SURE") == "sure", "a phrase at the very end of the text")
        #expect(match("unsure, insurely") == nil)
    }

    @Test func phrasesEndingInPunctuationNeedNoBoundaryThere() {
        #expect(violations(.highSecurity, "set CLIENT_SECRET=abc123 in the env").map(\.actual) == ["secret: client_secret="])
        #expect(violations(.highSecurity, "myclient_secret=abc").isEmpty, "the word end still needs a boundary")
    }

    @Test func nonASCIITextIsLowercasedByUnicodeRules() {
        let pattern = ProhibitedPattern(name: "p", phrases: ["ÜBER SICHER"])
        #expect(ProhibitedPattern.lowercasedUTF8(of: "Ist Über Sicher.") == Array("ist über sicher.".utf8))
        #expect(ProhibitedPattern.lowercasedUTF8(of: "Ist Über Sicher.").withUnsafeBufferPointer { pattern.firstMatch(in: $0) } == "über sicher")
    }

    @Test func modesParseAliasesAndDisplayNames() {
        #expect(Mode(normalizing: "High Security") == .highSecurity)
        #expect(Mode(normalizing: "high_integrity") == .highIntegrity)
        #expect(Mode(normalizing: "None (Unrestricted)") == .unrestricted)
        #expect(Mode(normalizing: "none") == .unrestricted)
        #expect(Mode(normalizing: "i-dont-know") == .idk)
        #expect(Mode(normalizing: "chaos") == nil)
        #expect(Posture(normalizing: "SCOUT") == .scout)
        #expect(GovernanceRole(normalizing: "Broadcast") == .broadcast)
    }
}
