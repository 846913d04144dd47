/// One normalized input to the engine. Sources (gateway frames, the MO§ES ledger tail,
/// the `state.json` watch, a replayed capture) all produce this; nothing downstream knows
/// where an event came from.
package struct GovernanceEvent: Sendable, Equatable {
    /// Event time in milliseconds since the epoch, taken from the input (the capture's
    /// `at`, else the payload's own timestamp), never from a local clock.
    package var at: Int64
    /// What happened.
    package var kind: Kind

    /// The event times sources accept, in ms since the epoch: 0000-01-01T00:00:00Z through
    /// 9999-12-31T23:59:59.999Z, what an ISO-8601 timestamp (so the MO§ES ledger) can
    /// write. A time outside it is rejected where it is parsed, and counted.
    package static let validTimes: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    package init(at: Int64, kind: Kind) {
        self.at = at
        self.kind = kind
    }

    /// The closed set of things the engine reacts to.
    package enum Kind: Sendable, Equatable {
        /// An agent run began (`agent` lifecycle `start`).
        indirect case runStarted(RunStart)
        /// An agent run finished (`agent` lifecycle `end`/`error`, `chat` `aborted`/`error`).
        indirect case runEnded(RunEnd)
        /// An agent answered: a `chat` final with a message, a `session.message` from the
        /// assistant, or a legacy `session_update`.
        indirect case response(Response)
        /// An agent called a tool (`agent` tool stream phase `start`, or `session.tool`).
        indirect case toolCall(ToolCall)
        /// A human (operator) wrote in a conversation (`session.message` with role `user`).
        indirect case operatorMessage(OperatorMessage)
        /// A line of the MO§ES `audit_ledger.jsonl`.
        indirect case ledgerEntry(LedgerEntry)
        /// The governance state (`state.json`) now reads this.
        case stateChanged(GovernanceState)
        /// Whether the MO§ES ledger can be read from now on (false: no ledger file configured
        /// or present, a legacy stream, or a ledger unreadable for longer than the grace).
        /// While it cannot, audit-before-response verdicts are `unverifiable`, not violations.
        case ledgerReadable(Bool)
        /// A streaming delta (`chat` delta, `agent` assistant/thinking stream): counted only.
        case streamDelta
        /// A gateway keepalive `tick`.
        case tick
        /// The gateway announced `shutdown`.
        case shutdown
        /// `sessions.changed`: a session appeared or changed (for subscription bookkeeping).
        indirect case sessionsChanged(SessionRef?)
        /// A frame the engine has no use for (other event names, responses to RPCs).
        case ignored
    }
}

/// The start of an agent run.
package struct RunStart: Sendable, Equatable {
    package var session: SessionRef
    package var runID: String
    /// Heartbeat runs are periodic turns, not answers; they are never judged.
    package var isHeartbeat: Bool

    package init(session: SessionRef, runID: String, isHeartbeat: Bool = false) {
        self.session = session
        self.runID = runID
        self.isHeartbeat = isHeartbeat
    }
}

/// The end of an agent run.
package struct RunEnd: Sendable, Equatable {
    package var session: SessionRef
    package var runID: String
    /// True when the run was aborted or failed: such a run gives no response.
    package var isAborted: Bool

    package init(session: SessionRef, runID: String, isAborted: Bool) {
        self.session = session
        self.runID = runID
        self.isAborted = isAborted
    }
}

/// An agent's answer in a conversation.
package struct Response: Sendable, Equatable {
    /// Which frame announced the response.
    package enum Source: String, Sendable, Equatable {
        case chatFinal = "chat.final"
        case sessionMessage = "session.message"
        case legacy = "session_update"
    }

    package var session: SessionRef
    /// The run that produced it; nil for legacy frames and for `session.message` frames
    /// that do not name a run (the engine then uses the agent's current run).
    package var runID: String?
    /// The assistant text (empty for legacy frames, which carry none).
    package var text: String
    package var source: Source

    package init(session: SessionRef, runID: String?, text: String, source: Source) {
        self.session = session
        self.runID = runID
        self.text = text
        self.source = source
    }
}

/// A tool call by an agent.
package struct ToolCall: Sendable, Equatable {
    package var session: SessionRef
    package var runID: String?
    /// The gateway's id of the call; the same call may arrive as `agent` and `session.tool`.
    package var toolCallID: String?
    /// The tool name (`exec`, `write`, `message`, …).
    package var name: String
    /// For `exec`-like tools the command line (`args.command`), else empty.
    package var command: String

    package init(session: SessionRef, runID: String?, toolCallID: String?, name: String, command: String) {
        self.session = session
        self.runID = runID
        self.toolCallID = toolCallID
        self.name = name
        self.command = command
    }
}

/// A message from a human operator in a conversation.
package struct OperatorMessage: Sendable, Equatable {
    package var session: SessionRef
    package var text: String

    package init(session: SessionRef, text: String) {
        self.session = session
        self.text = text
    }
}

/// One line of the MO§ES audit ledger, with the hash the source recomputed canonically.
package struct LedgerEntry: Sendable, Equatable {
    /// The `agent` field (a role name, an agent id, or `coordinator`); empty for genesis lines.
    package var agent: String
    /// The `action` field (`genesis` for a lineage genesis line).
    package var action: String
    /// The entry's `timestamp` in ms; nil for genesis lines, which have none.
    package var timestamp: Int64?
    /// The `hash` field as written.
    package var hash: String
    /// The `previous_hash` (or `prev_hash`) field as written.
    package var previousHash: String
    /// The SHA-256 of the entry's canonical form, recomputed by the source.
    package var computedHash: String
    /// The 1-based line number in the ledger file, when known.
    package var line: Int?
    /// True when the line has a `timestamp` that is no time in `GovernanceEvent.validTimes`
    /// (unparseable, out of range or not a string): `timestamp` is then nil.
    package var hasRejectedTimestamp: Bool

    package init(
        agent: String, action: String, timestamp: Int64?, hash: String,
        previousHash: String, computedHash: String, line: Int? = nil, hasRejectedTimestamp: Bool = false
    ) {
        self.agent = agent
        self.action = action
        self.timestamp = timestamp
        self.hash = hash
        self.previousHash = previousHash
        self.computedHash = computedHash
        self.line = line
        self.hasRejectedTimestamp = hasRejectedTimestamp
    }
}
