import Governance

/// One thing the audit writer stores. Each record is one row (a counters snapshot is one
/// record however many counters it holds).
package enum AuditRecord: Sendable, Equatable {
    /// A violation: a `violations` row and, when new, a chained `ledger` row.
    case violation(Violation)
    /// A judged response (text length only, never the text).
    case response(ResponseRecord)
    /// A stored response whose audit became known after it was judged: sets `is_audited`.
    case responseAudited(AuditedResponse)
    case toolCall(ToolCallRecord)
    /// A MO§ES ledger line the ledger tail saw.
    case ledgerEntry(LedgerEntry)
    /// The governance state changed at event time `at`.
    case stateChange(at: Int64, state: GovernanceState)
    /// A conversation's bookkeeping, as absolute values.
    case conversation(ConversationRecord)
    /// The daemon started, stopped, reconnected or dropped something: a chained `ledger` row.
    case daemon(DaemonEvent)
    /// Counter values to store in `counters` (absolute, monotonic).
    case counters(CountersSnapshot)
    /// Retention: delete stored events (responses, tool calls, ledger lines seen, state
    /// changes, delivered notifications) recorded before `before` (ms). Violations and the
    /// hash-chained ledger are never pruned.
    case prune(before: Int64)
    /// The delivery worker's outbox bookkeeping (see `AuditWriter.write(_:)`).
    case outbox(OutboxUpdate)

    /// True for a violation: the one kind of record the writer never drops (overflow, a full
    /// hold) and spools when the store cannot take it at stop. Every other kind is an
    /// observation the monitor can afford to lose and count.
    package var isViolation: Bool {
        if case .violation = self { return true }
        return false
    }

    /// True for the records the overflow policy never drops: violations, and outbox
    /// bookkeeping (dropping a `delivered` would notify the operator twice).
    package var isNeverDropped: Bool {
        switch self {
        case .violation, .outbox: true
        default: false
        }
    }
}

/// A response as the store keeps it.
package struct ResponseRecord: Sendable, Equatable {
    package var at: Int64
    package var session: SessionRef
    package var role: Role?
    package var runID: String?
    /// The response text's length in UTF-8 bytes; the text itself is not stored.
    package var textLength: Int
    /// True when the agent appended to the MO§ES ledger during the run before answering.
    package var isAudited: Bool
    package var source: Response.Source
    /// `JudgedResponse.ordinal`: tells apart responses with the same time and no run id.
    package var ordinal: UInt32

    package init(
        at: Int64, session: SessionRef, role: Role?, runID: String?, textLength: Int, isAudited: Bool,
        source: Response.Source, ordinal: UInt32 = 0
    ) {
        self.ordinal = ordinal
        self.at = at
        self.session = session
        self.role = role
        self.runID = runID
        self.textLength = textLength
        self.isAudited = isAudited
        self.source = source
    }
}

/// A tool call as the store keeps it.
package struct ToolCallRecord: Sendable, Equatable {
    package var at: Int64
    package var session: SessionRef
    package var role: Role?
    package var call: ToolCall

    package init(at: Int64, role: Role?, call: ToolCall) {
        self.at = at
        self.session = call.session
        self.role = role
        self.call = call
    }
}

/// A conversation's first/last event time, cycle position and counts (absolute values from
/// the engine, so storing the same values twice changes nothing).
package struct ConversationRecord: Sendable, Equatable {
    package var conversation: String
    package var firstSeen: Int64
    package var lastSeen: Int64
    /// Where the cycle stands (e.g. the next role expected), free text.
    package var cyclePosition: String
    package var responses: Int64
    package var toolCalls: Int64
    package var violations: Int64

    package init(
        conversation: String, firstSeen: Int64, lastSeen: Int64, cyclePosition: String, responses: Int64,
        toolCalls: Int64, violations: Int64
    ) {
        self.conversation = conversation
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.cyclePosition = cyclePosition
        self.responses = responses
        self.toolCalls = toolCalls
        self.violations = violations
    }
}

/// A daemon lifecycle fact for the store's own ledger.
package struct DaemonEvent: Sendable, Equatable {
    /// What happened.
    package enum Kind: String, Sendable, CaseIterable {
        case start
        case stop
        /// The gateway connection was re-established.
        case reconnect
        /// Something was dropped (queue overflow, malformed input): `detail` says what and how many.
        case drop
    }

    /// Wall-clock ms (the daemon's own facts have no event time).
    package var at: Int64
    package var kind: Kind
    package var detail: String
    /// The governance state in force.
    package var state: GovernanceState

    package init(at: Int64, kind: Kind, detail: String, state: GovernanceState) {
        self.at = at
        self.kind = kind
        self.detail = detail
        self.state = state
    }
}

/// Absolute counter values by metric name (`moses_<stage>_<what>_total`).
package struct CountersSnapshot: Sendable, Equatable {
    package var at: Int64
    package var values: [(name: String, value: UInt64)]

    package init(at: Int64, values: [(name: String, value: UInt64)]) {
        self.at = at
        self.values = values
    }

    package static func == (lhs: CountersSnapshot, rhs: CountersSnapshot) -> Bool {
        lhs.at == rhs.at && lhs.values.map(\.name) == rhs.values.map(\.name)
            && lhs.values.map(\.value) == rhs.values.map(\.value)
    }

    /// The engine's counters under their metric names.
    package init(at: Int64, engine: EngineCounters) {
        var values: [(name: String, value: UInt64)] = [
            ("moses_engine_events_total", engine.events),
            ("moses_engine_responses_total", engine.responses),
            ("moses_engine_duplicate_responses_total", engine.duplicateResponses),
            ("moses_engine_tool_calls_total", engine.toolCalls),
            ("moses_engine_stream_deltas_total", engine.streamDeltas),
            ("moses_engine_ledger_entries_total", engine.ledgerEntries),
            ("moses_ledger_rejected_values_total", engine.rejectedLedgerTimestamps),
            ("moses_engine_state_changes_total", engine.stateChanges),
            ("moses_engine_ignored_total", engine.ignored),
            ("moses_engine_ungoverned_total", engine.ungoverned),
            ("moses_engine_evicted_conversations_total", engine.evictedConversations),
            ("moses_engine_audits_unverifiable_total", engine.unverifiableAudits),
        ]
        // One labelled series per rule, each present from the start (at 0), so a rate over
        // any rule works before its first violation.
        for rule in RuleID.allCases {
            values.append((Self.violationsName(of: rule), engine.violations(of: rule)))
        }
        self.init(at: at, values: values)
    }

    /// The sample name of one rule's violation count, labels in exposition form as the
    /// `stats` view keys it: `moses_violations_total{rule="sequence"}`.
    package static func violationsName(of rule: RuleID) -> String {
        "moses_violations_total{rule=\"\(rule.rawValue)\"}"
    }
}
