import Governance
import WireFormats

/// What one row of the store's own `ledger` says, before it is chained: a MO§ES-format
/// audit record for a violation or a daemon event.
///
/// The same content goes to the MO§ES `audit_ledger.jsonl` when that append is on, so both
/// ledgers say the same thing about a violation. A value type: any thread.
package struct LedgerRowContent: Sendable, Equatable {
    /// The `ledger.kind` column.
    package enum Kind: String, Sendable {
        case violation
        case daemon
    }

    package var kind: Kind
    /// Time in ms (event time for violations, wall clock for daemon events).
    package var at: Int64
    /// For filtering exports; empty for daemon events.
    package var conversation: String
    /// The rule id; empty for daemon events.
    package var rule: String
    package var agent: String
    package var component: String
    package var action: String
    package var detail: String
    package var outcome: String
    package var state: GovernanceState

    /// The agent name the coordinator writes under.
    package static let coordinatorAgent = "coordinator"
    /// The component name of our records.
    package static let component = "moses-coordinator"

    /// A violation as the coordinator reports it: action `<rule>_violation`, outcome `flagged`.
    package init(violation: Violation) {
        kind = .violation
        at = violation.at
        conversation = violation.conversation
        rule = violation.rule.rawValue
        agent = Self.coordinatorAgent
        component = Self.component
        action = "\(violation.rule.rawValue)_violation"
        var facts = "conversation=\(violation.conversation) agent=\(violation.agentID)"
        if let role = violation.role { facts += " role=\(role.rawValue)" }
        if let runID = violation.runID { facts += " run=\(runID)" }
        facts += " expected=\(violation.expected) actual=\(violation.actual)"
        detail = "\(violation.detail) [\(facts)]"
        outcome = "flagged"
        state = violation.state
    }

    /// A daemon lifecycle event: action `daemon_<kind>`, outcome `logged`.
    package init(daemon event: DaemonEvent) {
        kind = .daemon
        at = event.at
        conversation = ""
        rule = ""
        agent = Self.coordinatorAgent
        component = Self.component
        action = "daemon_\(event.kind.rawValue)"
        detail = event.detail
        outcome = "logged"
        state = event.state
    }

    /// The entry's `timestamp` text and its `hash` chained to `previousHash`, without
    /// building the record: what the writer stores for each row.
    package func chained(to previousHash: String) -> (timestamp: String, hash: String) {
        let timestamp = LedgerTimestamp.string(fromMilliseconds: at)
        let hash = MosesLedgerRecord.entryHash(
            timestamp: timestamp, agent: agent, component: component, action: action, detail: detail,
            outcome: outcome, state: state, sessionHash: nil, previousHash: previousHash)
        return (timestamp, hash)
    }

    /// The MO§ES record for this content chained to `previousHash`, its `hash` computed
    /// canonically. O(size of the content): one canonical serialization and one SHA-256.
    package func record(previousHash: String) -> MosesLedgerRecord {
        MosesLedgerRecord.make(
            timestampMicroseconds: at * 1000, agent: agent, component: component, action: action,
            detail: detail, outcome: outcome, state: state, sessionHash: nil, previousHash: previousHash)
    }
}

/// A stored `ledger` row read back as text columns: enough to rebuild its MO§ES record.
package struct StoredLedgerRow: Sendable, Equatable {
    package var seq: Int64
    package var timestamp: String
    package var agent: String
    package var component: String
    package var action: String
    package var detail: String
    package var outcome: String
    package var mode: String
    package var posture: String
    package var role: String
    package var sessionHash: String?
    package var previousHash: String
    package var hash: String

    /// Reads the current row of a statement over `Schema.ledgerRowColumns`.
    init(columnsOf statement: Statement) {
        seq = statement.integer(at: 0)
        timestamp = statement.text(at: 1) ?? ""
        agent = statement.text(at: 2) ?? ""
        component = statement.text(at: 3) ?? ""
        action = statement.text(at: 4) ?? ""
        detail = statement.text(at: 5) ?? ""
        outcome = statement.text(at: 6) ?? ""
        mode = statement.text(at: 7) ?? ""
        posture = statement.text(at: 8) ?? ""
        role = statement.text(at: 9) ?? ""
        sessionHash = statement.text(at: 10)
        previousHash = statement.text(at: 11) ?? ""
        hash = statement.text(at: 12) ?? ""
    }

    private func members(previousHash: String) -> [JSONValue.Member] {
        MosesLedgerRecord.auditMembers(
            timestamp: timestamp, agent: agent, component: component, action: action, detail: detail,
            outcome: outcome, mode: mode, posture: posture, role: role, sessionHash: sessionHash,
            previousHash: previousHash)
    }

    /// The record exactly as stored, `hash` included (for `verify --db`).
    package var storedRecord: MosesLedgerRecord {
        var members = members(previousHash: previousHash)
        members.append(.init("hash", .string(hash)))
        return Self.wrap(members)
    }

    /// The same content chained to `previousHash` with a freshly computed `hash` (for an
    /// export, which chains its selection from the genesis value).
    package func rechained(previousHash: String) -> MosesLedgerRecord {
        let unsealed = Self.wrap(members(previousHash: previousHash))
        var members = members(previousHash: previousHash)
        members.append(.init("hash", .string(unsealed.computedHash)))
        return Self.wrap(members)
    }

    /// A record of members built here; a refusal would be our bug, so it traps.
    static func wrap(_ members: [JSONValue.Member]) -> MosesLedgerRecord {
        do {
            return try MosesLedgerRecord(object: .object(members))
        } catch {
            preconditionFailure("an object built from members was refused as a ledger record: \(error)")
        }
    }
}
