/// Recent MO§ES ledger append times per ledger `agent` name, for the audit-before-response
/// rule. Bounded: a fixed ring per name and a cap on names (a ledger with more distinct
/// agent names than the cap has the extra names ignored and counted, deterministically).
struct LedgerIndex: Sendable {
    static let timesPerAgent = 16
    static let maximumAgents = 4_096

    private var ringsByAgent: [String: TimeRing] = [:]
    /// Appends whose agent name was dropped because of the cap.
    private(set) var droppedAgents: UInt64 = 0

    /// Records an append by `agent` (any case) at `timestamp`.
    mutating func record(agent: String, at timestamp: Int64) {
        let key = agent.lowercased()
        if ringsByAgent[key] == nil && ringsByAgent.count >= Self.maximumAgents {
            droppedAgents += 1
            return
        }
        ringsByAgent[key, default: TimeRing()].insert(timestamp)
    }

    /// True when `agent` (any case) appended at a time in `window`.
    func hasAppend(by agent: String, in window: ClosedRange<Int64>) -> Bool {
        ringsByAgent[agent.lowercased()]?.contains(where: { window.contains($0) }) ?? false
    }
}

/// The last `LedgerIndex.timesPerAgent` times.
struct TimeRing: Sendable {
    private var times: [Int64] = []
    private var next = 0

    mutating func insert(_ time: Int64) {
        if times.count < LedgerIndex.timesPerAgent {
            times.append(time)
        } else {
            times[next] = time
            next = (next + 1) % LedgerIndex.timesPerAgent
        }
    }

    func contains(where predicate: (Int64) -> Bool) -> Bool {
        times.contains(where: predicate)
    }
}
