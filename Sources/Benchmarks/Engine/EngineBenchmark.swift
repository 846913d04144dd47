import Governance
import Runtime

/// The engine-only stages of `bench`: events made in memory, no parsing.
package enum EngineBenchmark {
    /// A realistic mix per cycle: lifecycle, deltas, tool call, response, per role.
    package static func makeCycle(conversation: String, cycle: Int, at: inout Int64) -> [GovernanceEvent] {
        var events: [GovernanceEvent] = []
        for role in ["primary", "secondary", "observer"] {
            let session = SessionRef(sessionKey: "agent:\(role):\(conversation)", agentID: role, conversation: conversation)
            let run = "\(conversation)-\(role)-\(cycle)"
            at += 10
            events.append(GovernanceEvent(at: at, kind: .runStarted(RunStart(session: session, runID: run))))
            at += 10
            events.append(GovernanceEvent(at: at, kind: .ledgerEntry(LedgerEntry(
                agent: role, action: "respond", timestamp: at, hash: "h", previousHash: String(repeating: "0", count: 64), computedHash: "h"))))
            for _ in 0..<24 {
                at += 1
                events.append(GovernanceEvent(at: at, kind: .streamDelta))
            }
            at += 10
            // Observers only flag: they call no tools.
            if role != "observer" { events.append(GovernanceEvent(at: at, kind: .toolCall(ToolCall(session: session, runID: run, toolCallID: run + "-t", name: "read", command: "")))) }
            at += 10
            events.append(GovernanceEvent(at: at, kind: .response(Response(
                session: session, runID: run, text: "\(role) considered the incident and proposes step \(cycle)", source: .chatFinal))))
        }
        return events
    }

    package static func runEngineStage(events target: Int, conversations: Int) {
        var at: Int64 = 1_767_225_600_000
        var events: [GovernanceEvent] = []
        var cycle = 0
        while events.count < target {
            for index in 0..<conversations where events.count < target {
                events += makeCycle(conversation: "discord:group:\(index)", cycle: cycle, at: &at)
            }
            cycle += 1
        }
        var engine = GovernanceEngine(state: GovernanceState(mode: .highIntegrity, posture: .offense, role: .primary))
        var violations: [Violation] = []
        let seconds = ContinuousClock().measure {
            for event in events { engine.process(event, into: &violations) }
            engine.finish(into: &violations)
        }.inSeconds
        let rate = Double(events.count) / seconds
        print("engine only: \(events.count) events in \(format(seconds)) s = \(format(rate / 1e6)) M events/s, \(violations.count) violations")
        for rule in RuleID.allCases where engine.counters.violations(of: rule) > 0 {
            print("  \(rule.rawValue): \(engine.counters.violations(of: rule))")
        }
    }

    package static func runMemoryStage(conversations: Int) {
        let before = ProcessMemory.residentBytes ?? 0
        var engine = GovernanceEngine(state: GovernanceState(mode: .highIntegrity, posture: .offense, role: .primary))
        var violations: [Violation] = []
        var at: Int64 = 1_767_225_600_000
        // Leave every conversation mid-cycle (Primary and Secondary answered), the costliest state.
        for index in 0..<conversations {
            let cycle = makeCycle(conversation: "discord:group:\(index)", cycle: 0, at: &at)
            for event in cycle.prefix(cycle.count * 2 / 3) { engine.process(event, into: &violations) }
        }
        let after = ProcessMemory.residentBytes ?? 0
        let megabytes = Double(after - before) / 1_048_576
        print("memory: \(engine.conversationCount) live conversations (mid-cycle) hold \(format(megabytes)) MB of resident memory (\(Int(Double(after - before) / Double(max(conversations, 1)))) B each)")
        withExtendedLifetime(engine) {}
    }

    package static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }
}
