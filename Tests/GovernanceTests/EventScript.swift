import Governance

/// Builds events tersely and runs them through an engine, for table-style rule tests.
struct EventScript {
    var engine: GovernanceEngine
    var violations: [Violation] = []

    init(policy: Policy = Policy(auditGraceMs: 1_000), state: GovernanceState = .default) {
        engine = GovernanceEngine(policy: policy, state: state)
    }

    mutating func run(_ groups: any EventGroup...) { run(groups) }

    mutating func run(_ groups: [any EventGroup]) {
        for group in groups {
            for event in group.events { engine.process(event, into: &violations) }
        }
    }

    /// Runs the events, finishes the input and returns every violation.
    mutating func finish(_ groups: any EventGroup...) -> [Violation] {
        run(groups)
        engine.finish(into: &violations)
        return violations
    }

    /// The rules of the violations found so far, in order.
    var rules: [RuleID] { violations.map(\.rule) }
}

/// One event or a list of them, so scripts can mix both.
protocol EventGroup {
    var events: [GovernanceEvent] { get }
}

extension GovernanceEvent: EventGroup {
    var events: [GovernanceEvent] { [self] }
}

extension Array: EventGroup where Element == GovernanceEvent {
    var events: [GovernanceEvent] { self }
}

let group = "discord:group:1"

func session(_ agent: String, _ conversation: String = group) -> SessionRef {
    SessionRef(sessionKey: "agent:\(agent):\(conversation)", agentID: agent, conversation: conversation)
}

func start(_ agent: String, run: String, at: Int64, in conversation: String = group, heartbeat: Bool = false) -> GovernanceEvent {
    GovernanceEvent(at: at, kind: .runStarted(RunStart(session: session(agent, conversation), runID: run, isHeartbeat: heartbeat)))
}

func abort(_ agent: String, run: String, at: Int64, in conversation: String = group) -> GovernanceEvent {
    GovernanceEvent(at: at, kind: .runEnded(RunEnd(session: session(agent, conversation), runID: run, isAborted: true)))
}

func answer(
    _ agent: String, run: String? = nil, at: Int64, text: String? = nil, in conversation: String = group,
    source: Response.Source = .chatFinal
) -> GovernanceEvent {
    // By default each answer says something of its own, so Secondary never repeats Primary.
    GovernanceEvent(at: at, kind: .response(Response(
        session: session(agent, conversation), runID: run, text: text ?? "\(agent) view \(at)", source: source)))
}

func tool(
    _ agent: String, _ name: String, command: String = "", run: String? = nil, id: String? = nil,
    at: Int64, in conversation: String = group
) -> GovernanceEvent {
    GovernanceEvent(at: at, kind: .toolCall(ToolCall(
        session: session(agent, conversation), runID: run, toolCallID: id, name: name, command: command)))
}

func auditExec(_ agent: String, run: String?, at: Int64, in conversation: String = group) -> GovernanceEvent {
    tool(agent, "exec", command: "python3 ~/.openclaw/workspace/skills/moses-governance/scripts/audit_stub.py log --agent \(agent) --action respond",
         run: run, at: at, in: conversation)
}

let genesis = String(repeating: "0", count: 64)

/// A ledger append by `agent` stamped `timestamp`, arriving at `arrival` (defaults to the
/// stamp). By default it starts a chain of its own, so no link check fires.
func ledger(
    _ agent: String, stamped timestamp: Int64, arriving arrival: Int64? = nil, hash: String? = nil,
    previous: String = genesis, computed: String? = nil, line: Int? = nil
) -> GovernanceEvent {
    let hash = hash ?? "\(agent)-\(timestamp)"
    return GovernanceEvent(at: arrival ?? timestamp, kind: .ledgerEntry(LedgerEntry(
        agent: agent, action: "respond", timestamp: timestamp, hash: hash, previousHash: previous,
        computedHash: computed ?? hash, line: line)))
}

func state(_ mode: Mode, _ posture: Posture, _ role: GovernanceRole = .primary, at: Int64) -> GovernanceEvent {
    GovernanceEvent(at: at, kind: .stateChanged(GovernanceState(mode: mode, posture: posture, role: role)))
}

func operatorSays(_ text: String, at: Int64, in conversation: String = group) -> GovernanceEvent {
    GovernanceEvent(at: at, kind: .operatorMessage(OperatorMessage(
        session: SessionRef(sessionKey: "agent:primary:\(conversation)", agentID: "primary", conversation: conversation), text: text)))
}

/// An answer preceded by its ledger append, so that only the rule under test can fire.
func audited(_ agent: String, run: String? = nil, at: Int64, text: String? = nil, in conversation: String = group) -> [GovernanceEvent] {
    [ledger(agent, stamped: at - 1), answer(agent, run: run, at: at, text: text, in: conversation)]
}

/// A state in which neither mode nor posture rules fire.
let quiet = GovernanceState(mode: .unrestricted, posture: .offense, role: .primary)

/// The MO§ES ledger became readable (or not) at `at`.
func ledgerReadable(_ isReadable: Bool, at: Int64) -> GovernanceEvent {
    GovernanceEvent(at: at, kind: .ledgerReadable(isReadable))
}
