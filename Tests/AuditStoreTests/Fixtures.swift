#if canImport(Glibc)
import Glibc
#endif
import Governance
import Logging
@testable import AuditStore

enum Fixtures {
    static let state = GovernanceState(mode: .highIntegrity, posture: .defense, role: .primary)
    static let logger = Logger(label: "audit-store-tests")

    static func violation(_ index: Int, conversation: String = "discord:group:1", rule: RuleID = .sequence,
                          at: Int64? = nil) -> Violation {
        Violation(
            at: at ?? 1_763_990_000_000 + Int64(index), conversation: conversation,
            sessionKey: "agent:observer:\(conversation)", agentID: "observer", role: .observer, rule: rule,
            expected: "secondary", actual: "observer", detail: "Observer answered before Secondary (#\(index)).",
            runID: "run-\(index)", state: state)
    }

    static func session(_ agent: String, conversation: String = "discord:group:1") -> SessionRef {
        SessionRef(sessionKey: "agent:\(agent):\(conversation)", agentID: agent, conversation: conversation)
    }

    /// A primary's audited response, `index` ms after the violations' base time.
    static func response(_ index: Int) -> AuditRecord {
        .response(ResponseRecord(
            at: 1_763_990_000_000 + Int64(index), session: session("primary"), role: .primary,
            runID: "run-r\(index)", textLength: 10, isAudited: true, source: .chatFinal))
    }

    /// One record of every kind.
    static func everyKind() -> [AuditRecord] {
        [
            .violation(violation(1)),
            .response(ResponseRecord(
                at: 1_763_990_000_100, session: session("primary"), role: .primary, runID: "run-p",
                textLength: 42, isAudited: true, source: .chatFinal)),
            .toolCall(ToolCallRecord(at: 1_763_990_000_200, role: .primary, call: ToolCall(
                session: session("primary"), runID: "run-p", toolCallID: "call-1", name: "exec",
                command: "python3 audit_stub.py log"))),
            .ledgerEntry(LedgerEntry(
                agent: "primary", action: "respond", timestamp: 1_763_990_000_050, hash: String(repeating: "a", count: 64),
                previousHash: String(repeating: "0", count: 64), computedHash: String(repeating: "a", count: 64), line: 1)),
            .stateChange(at: 1_763_990_000_000, state: state),
            .conversation(ConversationRecord(
                conversation: "discord:group:1", firstSeen: 1_763_990_000_000, lastSeen: 1_763_990_000_300,
                cyclePosition: "secondary", responses: 1, toolCalls: 1, violations: 1)),
            .daemon(DaemonEvent(at: 1_763_990_000_400, kind: .start, detail: "moses-coordinator 0.1.0 started", state: state)),
            .counters(CountersSnapshot(at: 1_763_990_000_500, engine: EngineCounters())),
        ]
    }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func waitUntil(seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        sched_yield()
        usleep(2_000)  // poll interval of the wait loop, not a wait for the condition itself
    }
    return try condition()
}

extension Database {
    func count(_ table: String) throws -> Int64 {
        // Table names come from the tests' own literals.
        try singleInteger(sql: "SELECT count(*) FROM \(table)") ?? -1
    }
}
