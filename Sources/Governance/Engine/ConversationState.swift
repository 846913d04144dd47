/// What the engine remembers about one conversation: the cycle, the agents in it and what
/// drift counting needs. Kept small (100,000 live conversations must fit in 64 MB): run ids
/// are kept as stable hashes, session keys are rebuilt from the agent and conversation.
struct ConversationState: Sendable {
    /// Event time of the first and the last event that touched this conversation.
    var firstSeen: Int64
    var lastSeen: Int64
    /// What was judged here since the conversation was (re)created, for the store.
    var responses: UInt32 = 0
    var toolCalls: UInt32 = 0
    var violations: UInt32 = 0
    /// Index in `Policy.sequence` of the last accepted role of the open cycle; -1 when no
    /// cycle is open.
    var lastAcceptedPosition: Int = -1
    /// The governance state when the open cycle began (for mid-cycle drift).
    var cycleState: GovernanceState?
    /// Primary's words in the open cycle, for the Secondary repetition check.
    var primaryWords: WordSketch?
    /// True once an operator message containing the confirmation word was seen.
    var hasOperatorConfirmation = false
    /// Violations per rule (in `RuleID.allCases` order) since the last operator intervention.
    var strikes = StrikeCounts()
    /// The engine's state epoch at the last operator intervention; a newer epoch means the
    /// operator changed the governance state since, which resets the strikes.
    var interventionEpoch: UInt64
    /// The agents that spoke here; typically one per role.
    var agents: [AgentSlot] = []

    init(lastSeen: Int64, epoch: UInt64) {
        self.firstSeen = lastSeen
        self.lastSeen = lastSeen
        self.interventionEpoch = epoch
    }

    /// The index of an agent's slot, created on first sight.
    mutating func slotIndex(for agentID: String, isLegacyKey: Bool) -> Int {
        // Lengths first: `==` on two different strings takes the slow comparison path, and
        // the agents of one conversation (`primary`, `secondary`, …) mostly differ in length.
        let length = agentID.utf8.count
        if let index = agents.firstIndex(where: { $0.agentID.utf8.count == length && $0.agentID == agentID }) {
            return index
        }
        agents.append(AgentSlot(agentID: agentID, isLegacyKey: isLegacyKey))
        return agents.count - 1
    }
}

/// One agent in one conversation.
struct AgentSlot: Sendable {
    var agentID: String
    /// True when the session key is a legacy `session_id` rather than `agent:<id>:<rest>`.
    var isLegacyKey: Bool
    /// The agent's current (latest) run, if any was seen.
    var run: RunState?
    /// Event time of the agent's last response here (the audit window's start when the run's
    /// lifecycle start was not seen).
    var lastResponseAt: Int64?
    /// Event time of the agent's last judged response and how many judged before it here
    /// carried that same time: with the time, what tells apart responses that have no run
    /// id (a legacy frame carries nothing else), the same on every replay of a stream.
    var lastJudgedAt: Int64?
    var sameTimeOrdinal: UInt32 = 0
    /// The last few tool call ids (hashed), so one call announced by both `agent` and
    /// `session.tool` is judged once.
    var recentToolCalls = RecentHashes()

    init(agentID: String, isLegacyKey: Bool) {
        self.agentID = agentID
        self.isLegacyKey = isLegacyKey
    }
}

/// The state of an agent run, keyed by stable hashes of its ids.
struct RunState: Sendable {
    /// Hash of the `agent` run id.
    var idHash: UInt64
    /// Hash of a second id announcing the same run (the `chat` client run id), or 0.
    var aliasHash: UInt64 = 0
    /// Lifecycle start time, when seen.
    var startedAt: Int64?
    var isHeartbeat = false
    var isAborted = false
    /// True once the run called the MO§ES audit append (`exec audit_stub.py log`).
    var hasAuditCall = false
    /// True once the run's response was judged; later frames for it are duplicates.
    var hasResponded = false

    func matches(_ hash: UInt64) -> Bool { hash == idHash || (aliasHash != 0 && hash == aliasHash) }
}

/// A fixed ring of the last four hashes seen.
struct RecentHashes: Sendable {
    private var slots: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var next = 0

    func contains(_ hash: UInt64) -> Bool {
        slots.0 == hash || slots.1 == hash || slots.2 == hash || slots.3 == hash
    }

    mutating func insert(_ hash: UInt64) {
        switch next {
        case 0: slots.0 = hash
        case 1: slots.1 = hash
        case 2: slots.2 = hash
        default: slots.3 = hash
        }
        next = (next + 1) & 3
    }
}

/// A saturating 8-bit count per rule, packed in one word: a conversation's strikes cost
/// no allocation (an array cost 48 bytes of heap per conversation).
struct StrikeCounts: Sendable, Equatable {
    private var packed: UInt64 = 0

    init() {
        precondition(RuleID.allCases.count <= 8, "one byte per rule in a UInt64")
    }

    /// The count for the rule at `index` in `RuleID.allCases`.
    subscript(index: Int) -> UInt8 {
        get { UInt8(truncatingIfNeeded: packed >> (8 * UInt64(index))) }
        set {
            let shift = 8 * UInt64(index)
            packed = packed & ~(0xFF << shift) | UInt64(newValue) << shift
        }
    }
}
