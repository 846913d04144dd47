/// Everything the engine's judgement depends on that an operator may configure: the role
/// map, the sequence, thresholds, tool lists and per-mode patterns. Loaded and checked
/// once at start (or on reload); the engine only reads it.
package struct Policy: Sendable, Equatable {
    /// The order in which roles answer; a cycle resets after the last one.
    package var sequence: [Role]
    /// Agent id (lowercased) → role. Agents not listed whose id is a role name
    /// (`primary`, `Secondary`, …) have that role; others are not governed.
    package var roles: [String: Role]
    /// How long before a run's lifecycle start a ledger entry still counts for it (ms).
    package var auditSlackMs: Int64
    /// How much event time the audit rule waits after a response before deciding, because
    /// the ledger tail can lag the socket (ms).
    package var auditGraceMs: Int64
    /// A tool call whose command contains this marker and ` log` is the MO§ES audit append.
    package var auditCommandMarker: String
    /// Tool names that change something (forbidden in `scout`).
    package var mutatingTools: Set<String>
    /// Tool names that send something out (need `CONFIRM` in `defense`).
    package var outboundTools: Set<String>
    /// The word an operator message must contain to confirm outbound actions in `defense`.
    package var confirmationWord: String
    /// Word-set similarity (0…1) above which a Secondary "repeats" Primary.
    package var repetitionThreshold: Double
    /// How many times one rule may be broken in a conversation with no operator
    /// intervention before the engine reports drift ("drift normalized").
    package var driftRepeatLimit: Int
    /// Conversations with no event for this long (event time) are forgotten (ms).
    package var conversationIdleMs: Int64
    /// Per-mode prohibited patterns; a mode with none (e.g. `unrestricted`) checks nothing.
    package var prohibitedPatterns: [Mode: [ProhibitedPattern]]

    package init(
        sequence: [Role] = [.primary, .secondary, .observer],
        roles: [String: Role] = [:],
        auditSlackMs: Int64 = 2_000,
        auditGraceMs: Int64 = 5_000,
        auditCommandMarker: String = "audit_stub.py",
        mutatingTools: Set<String> = ["exec", "write", "edit", "apply_patch", "message", "sessions_send", "process", "cron"],
        outboundTools: Set<String> = ["message", "sessions_send"],
        confirmationWord: String = "CONFIRM",
        repetitionThreshold: Double = 0.8,
        driftRepeatLimit: Int = 3,
        conversationIdleMs: Int64 = 6 * 3_600_000,
        prohibitedPatterns: [Mode: [ProhibitedPattern]] = Policy.defaultProhibitedPatterns
    ) {
        self.sequence = sequence
        self.roles = Dictionary(roles.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.auditSlackMs = auditSlackMs
        self.auditGraceMs = auditGraceMs
        self.auditCommandMarker = auditCommandMarker
        self.mutatingTools = mutatingTools
        self.outboundTools = outboundTools
        self.confirmationWord = confirmationWord
        self.repetitionThreshold = repetitionThreshold
        self.driftRepeatLimit = driftRepeatLimit
        self.conversationIdleMs = conversationIdleMs
        self.prohibitedPatterns = prohibitedPatterns
    }

    /// The role of an agent id, from the map or, failing that, from the id itself.
    package func role(ofAgent agentID: String) -> Role? {
        // Agent ids are usually lowercase already: look them up as they are first, and pay
        // for `lowercased()` (per event, on the hot path) only when that finds nothing.
        if let role = roles[agentID] ?? Role(rawValue: agentID) { return role }
        let key = agentID.lowercased()
        return key == agentID ? nil : roles[key] ?? Role(rawValue: key)
    }

    /// True when `command` is the MO§ES `audit_stub.py log` append.
    package func isAuditCommand(_ command: String) -> Bool {
        TextSearch.contains(command, auditCommandMarker) && TextSearch.contains(command, " log")
    }

    /// Defaults drawn from the MO§ES mode definitions ("Prohibited" lists), re-expressed as
    /// keyword heuristics in the spirit of the family's `check_action_permitted`.
    package static let defaultProhibitedPatterns: [Mode: [ProhibitedPattern]] = [
        // "transmitting sensitive data without approval": secrets in a response.
        .highSecurity: [
            ProhibitedPattern(
                name: "secret",
                phrases: ["private key-----", "aws_secret_access_key", "client_secret="],
                tokenPrefixes: ["sk-", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "akia", "glpat-"],
                minimumTokenLength: 20
            ),
        ],
        // "presenting inference as fact": certainty words with no source cited.
        .highIntegrity: [
            ProhibitedPattern(
                name: "unhedged-certainty",
                phrases: ["definitely", "certainly", "undoubtedly", "without a doubt", "guaranteed",
                          "there is no doubt", "it is a fact that", "100% certain"],
                exemptions: ["http://", "https://", "source:", "sources:", "according to", "cited", "[1]"]
            ),
        ],
        // "conclusions without methodology".
        .research: [
            ProhibitedPattern(
                name: "conclusion-without-methodology",
                phrases: ["in conclusion", "we conclude", "the answer is"],
                exemptions: ["method", "methodology", "approach:", "we measured", "sample"]
            ),
        ],
        // "declaring it solved without verification".
        .problemSolving: [
            ProhibitedPattern(
                name: "unverified-solution",
                phrases: ["problem solved", "this fixes it", "fixed it", "that solves it"],
                exemptions: ["verified", "tested", "checked", "confirmed by"]
            ),
        ],
        // "autonomous action in ambiguity".
        .idk: [
            ProhibitedPattern(
                name: "autonomous-action",
                phrases: ["i went ahead", "without asking", "i have already", "i decided to"]
            ),
        ],
    ]
}
