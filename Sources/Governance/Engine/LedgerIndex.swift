/// Recent MO§ES ledger append times per ledger `agent` name, for the audit-before-response
/// rule: what a response can still be judged against, not the ledger's history.
///
/// Bounded three ways: a fixed ring of the latest times per name; a name with no append in
/// the last `idleMs` of *ledger* time (the latest stamp recorded, so that the other
/// sources' clocks cannot empty it) is forgotten, as an idle conversation is, and with it
/// the runs whose windows could reach that far back; and a cap on the names held at once
/// (extra names are ignored and counted, deterministically). So the memory follows the
/// agents appending now, however long the ledger grows.
struct LedgerIndex: Sendable {
    static let timesPerAgent = 16
    static let maximumAgents = 4_096

    private var ringsByAgent: [String: TimeRing] = [:]
    /// One entry per name held: when to look at it again for idleness.
    private var evictionChecks = FIFO<(agent: String, checkAt: Int64)>()
    /// Appends whose agent name was dropped because of the cap.
    private(set) var droppedAgents: UInt64 = 0
    /// Names forgotten after `idleMs` without an append.
    private(set) var evictedAgents: UInt64 = 0
    /// The latest stamp recorded: the ledger's own clock.
    private var latest: Int64 = .min

    /// Names held now.
    var agentCount: Int { ringsByAgent.count }
    /// Append times held now, over all names. O(names).
    var retainedAppends: Int { ringsByAgent.values.reduce(0) { $0 + $1.count } }

    /// Records an append by `agent` (any case) at `timestamp`.
    ///
    /// - Parameter idleMs: how long the name is kept after its latest append.
    mutating func record(agent: String, at timestamp: Int64, idleMs: Int64) {
        if timestamp > latest {
            latest = timestamp
            evictIdle(through: latest, idleMs: idleMs)
        }
        let key = agent.lowercased()
        if ringsByAgent[key] == nil {
            guard ringsByAgent.count < Self.maximumAgents else {
                droppedAgents += 1
                return
            }
            evictionChecks.append((key, Self.later(timestamp, by: idleMs)))
        }
        ringsByAgent[key, default: TimeRing()].insert(timestamp)
    }

    /// Forgets the names with no append in the `idleMs` before `clock` (ledger time).
    /// Amortized O(1) per recorded name.
    private mutating func evictIdle(through clock: Int64, idleMs: Int64) {
        while let next = evictionChecks.first, next.checkAt <= clock {
            _ = evictionChecks.removeFirst()
            guard let ring = ringsByAgent[next.agent] else { continue }
            let idleUntil = Self.later(ring.latest, by: idleMs)
            if idleUntil <= clock {
                ringsByAgent[next.agent] = nil
                evictedAgents += 1
            } else {
                evictionChecks.append((next.agent, idleUntil))
            }
        }
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
    /// The latest time inserted (ledger lines may arrive out of time order).
    private(set) var latest: Int64 = .min

    var count: Int { times.count }

    mutating func insert(_ time: Int64) {
        latest = max(latest, time)
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

extension LedgerIndex {
    /// `time + delay`, held at the bounds instead of trapping (ledger timestamps come from
    /// outside).
    fileprivate static func later(_ time: Int64, by delay: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(delay)
        return overflow ? (delay > 0 ? .max : .min) : sum
    }
}
