import Synchronization
import Gateway

/// What the simulated gateway has "committed to transcripts": the rows `chat.history`
/// returns and the sessions `sessions.list` names. Shared by reference so that a
/// simulator killed and restarted mid-scenario keeps its history, as a real gateway keeps
/// its session store.
///
/// `Sendable`; guarded by a mutex, used from the simulator's service thread and tests.
package final class SimulatorHistory: Sendable {
    private struct State {
        var rows: [String: [OpaqueJSON]] = [:]
        var sessions: [String] = []
        var nextID = 1
    }

    private let state = Mutex(State())

    package init(sessions: [String] = []) {
        state.withLock { $0.sessions = sessions }
    }

    /// Every session key known, in order of first appearance.
    package var sessions: [String] { state.withLock { $0.sessions } }

    /// The rows of one session, oldest first, at most `limit`.
    func rows(of sessionKey: String, limit: Int) -> [OpaqueJSON] {
        state.withLock { Array(($0.rows[sessionKey] ?? []).suffix(limit)) }
    }

    /// The number of transcript rows of a session.
    package func rowCount(of sessionKey: String) -> Int {
        state.withLock { $0.rows[sessionKey]?.count ?? 0 }
    }

    /// Remembers what a frame puts on record: a `chat` final's message (row id = run id)
    /// or a `session.message` (row id = `messageId`); any `sessionKey` becomes a session.
    func record(_ frame: OpaqueJSON) {
        guard let payload = frame["payload"], let sessionKey = payload["sessionKey"]?.stringValue else { return }
        let event = frame["event"]?.stringValue
        state.withLock { state in
            if !state.sessions.contains(sessionKey) { state.sessions.append(sessionKey) }
            var row: [String: OpaqueJSON]
            var meta: [String: OpaqueJSON] = [:]
            let runID = payload["runId"]?.stringValue
            if event == "chat", payload["state"]?.stringValue == "final", case let .object(message)? = payload["message"] {
                row = message
                meta["id"] = .string(runID.map { "run:" + $0 } ?? "m-\(state.nextID)")
            } else if event == "session.message", case let .object(message)? = payload["message"] {
                row = message
                meta["id"] = .string(payload["messageId"]?.stringValue ?? "m-\(state.nextID)")
            } else {
                return
            }
            state.nextID += 1
            if let runID { meta["runId"] = .string(runID) }
            if let agentID = payload["agentId"]?.stringValue { row["agentId"] = .string(agentID) }
            meta["seq"] = .integer(Int64((state.rows[sessionKey]?.count ?? 0) + 1))
            row["__openclaw"] = .object(meta)
            state.rows[sessionKey, default: []].append(.object(row))
        }
    }
}
