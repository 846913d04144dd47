import Governance
import WireFormats

/// What the daemon judged before it last stopped, read from its store at start: the
/// conversations that were active and, per session, where its judged transcript ends.
///
/// After a restart the client re-reads `chat.history` of those sessions (and of any other
/// session the gateway lists in one of those conversations) and hands on only the rows
/// after the boundary, so what the gateway committed while the daemon was down is judged
/// once and nothing judged before the stop is judged again.
package struct RestartResync: Sendable, Equatable {
    /// Where one session's judged transcript ends.
    package struct Boundary: Sendable, Equatable {
        /// Event time (ms) of the last judged row: a row stamped earlier was judged (a row
        /// stamped at this time too, unless it names a run not in `judgedRunIDs`).
        package var judgedThrough: Int64
        /// Runs whose response was judged: a row naming one was judged, whatever its time.
        package var judgedRunIDs: Set<String>

        package init(judgedThrough: Int64, judgedRunIDs: Set<String> = []) {
            self.judgedThrough = judgedThrough
            self.judgedRunIDs = judgedRunIDs
        }

        /// Whether a history row was judged before the stop.
        ///
        /// - Parameters:
        ///   - runID: the run the row names, if any.
        ///   - timestamp: the row's `timestamp` (ms), if it has one.
        func isJudged(runID: String?, timestamp: Int64?) -> Bool {
            if let runID, judgedRunIDs.contains(runID) { return true }
            guard let timestamp else { return false }
            return timestamp < judgedThrough || (timestamp == judgedThrough && runID == nil)
        }

        /// The index of the first history row after the boundary: history is in transcript
        /// order, so every row up to the last judged one was judged (a row with no time
        /// before a judged one included).
        ///
        /// - Parameter rows: `chat.history` rows, oldest first.
        func firstUnjudgedIndex(of rows: [OpaqueJSON]) -> Int {
            let last = rows.lastIndex { row in
                isJudged(runID: RestartResync.runID(of: row), timestamp: RestartResync.timestamp(of: row))
            }
            return last.map { $0 + 1 } ?? rows.startIndex
        }
    }

    /// Session keys with judged responses, and where each one's judged transcript ends.
    package var sessions: [String: Boundary]
    /// Conversations active before the stop, each with the event time (ms) of the last
    /// thing judged in it: the boundary of a session of the conversation that `sessions`
    /// does not name (e.g. an agent that first answered while the daemon was down).
    package var conversations: [String: Int64]

    package init(sessions: [String: Boundary] = [:], conversations: [String: Int64] = [:]) {
        self.sessions = sessions
        self.conversations = conversations
    }

    /// True when nothing was active: no resync at start.
    package var isEmpty: Bool { sessions.isEmpty && conversations.isEmpty }

    /// The boundary of a session: its own, else its conversation's; nil when the session's
    /// conversation was not active before the stop.
    func boundary(of sessionKey: String) -> Boundary? {
        if let own = sessions[sessionKey] { return own }
        guard let conversation = SessionRef(sessionKey: sessionKey)?.conversation,
              let lastSeen = conversations[conversation] else { return nil }
        return Boundary(judgedThrough: lastSeen)
    }

    /// The run a history row names (`__openclaw.runId`, else `runId`).
    static func runID(of row: OpaqueJSON) -> String? {
        row["__openclaw"]?["runId"]?.stringValue ?? row["runId"]?.stringValue
    }

    /// A history row's `timestamp`: ms, or an ISO-8601 string as the normalizer reads it.
    static func timestamp(of row: OpaqueJSON) -> Int64? {
        switch row["timestamp"] {
        case let .string(text)?: return LedgerTimestamp.milliseconds(from: text)
        case let value?: return value.integerValue
        case nil: return nil
        }
    }
}
