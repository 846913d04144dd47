/// What the store says was judged last: the conversations active shortly before the daemon
/// stopped, where each one's cycle stood, and per session key the time and runs of its
/// latest judged responses. Read at start, so that the gateway client can re-read those
/// sessions' `chat.history` and hand on only what came after, and the engine can resume
/// the open cycles.
///
/// "Shortly before" is in event time, relative to the last event the store judged (not
/// the wall clock): the daemon's stop can be long ago, and the gateway's clock decides the
/// rows' times anyway.
package struct JudgedActivity: Sendable, Equatable {
    /// A conversation active before the stop.
    package struct Conversation: Sendable, Equatable {
        package var conversation: String
        /// Event time (ms) of the last event judged in it.
        package var lastSeen: Int64
        /// Where its cycle stood, as `ConversationSummary.cyclePosition` wrote it.
        package var cyclePosition: String
    }

    /// One session key of an active conversation with judged responses among the latest.
    package struct Session: Sendable, Equatable {
        package var sessionKey: String
        package var conversation: String
        /// Event time (ms) of its last judged response.
        package var lastResponseAt: Int64
        /// The run ids of its judged responses among those read (none for runless ones).
        package var runIDs: Set<String>
    }

    /// Latest first.
    package var conversations: [Conversation] = []
    /// By session key.
    package var sessions: [String: Session] = [:]
    /// Where the MO§ES ledger tail resumes, so that what agents appended while the daemon
    /// was down is read; nil for a store that has seen no ledger line.
    package var ledgerResume: LedgerResume?

    /// A MO§ES ledger line named by its own `hash`.
    package enum LedgerResume: Sendable, Equatable {
        /// Read again from this line: the first stamped after the earliest judged response
        /// of the sessions re-read, so the appends their next answers may rely on are known.
        case at(hash: String)
        /// Read the lines after this one, the last the tail saw (nothing is re-read).
        case after(hash: String)
    }

    package init(conversations: [Conversation] = [], sessions: [String: Session] = [:]) {
        self.conversations = conversations
        self.sessions = sessions
    }

    /// Reads what was judged last.
    ///
    /// - Parameters:
    ///   - database: the audit store (a reader is enough).
    ///   - windowMs: how long before the last judged event a conversation still counts as
    ///     active (event time); negative values count as 0.
    ///   - conversationLimit: at most this many conversations, the latest.
    ///   - responseLimit: how many of the store's latest responses give the sessions'
    ///     boundaries. A session whose last response is older than those has none: its
    ///     conversation's last event time bounds it instead.
    /// - Returns: the activity; empty for a new store.
    /// - Throws: `DatabaseError` when a read fails.
    /// - Complexity: one scan of `conversations` (one row per conversation) and a backward
    ///   read of at most `responseLimit` responses by rowid: no index on the write path.
    package static func read(
        from database: Database, windowMs: Int64, conversationLimit: Int, responseLimit: Int
    ) throws(DatabaseError) -> JudgedActivity {
        var activity = try readConversations(
            from: database, windowMs: windowMs, conversationLimit: conversationLimit, responseLimit: responseLimit)
        activity.ledgerResume = try ledgerResume(in: database, for: activity)
        return activity
    }

    private static func readConversations(
        from database: Database, windowMs: Int64, conversationLimit: Int, responseLimit: Int
    ) throws(DatabaseError) -> JudgedActivity {
        var activity = JudgedActivity()
        guard conversationLimit > 0 else { return activity }
        let conversations = try database.makeStatement(sql: Schema.activeConversations)
        try conversations.bind([.integer(max(0, windowMs)), .integer(Int64(conversationLimit))])
        var active: Set<String> = []
        while try conversations.step() {
            let conversation = Conversation(
                conversation: conversations.text(at: 0) ?? "", lastSeen: conversations.integer(at: 1),
                cyclePosition: conversations.text(at: 2) ?? "")
            activity.conversations.append(conversation)
            active.insert(conversation.conversation)
        }
        guard !active.isEmpty, responseLimit > 0 else { return activity }
        let responses = try database.makeStatement(sql: Schema.latestResponses)
        try responses.bind([.integer(Int64(responseLimit))])
        while try responses.step() {
            let conversation = responses.text(at: 1) ?? ""
            guard active.contains(conversation) else { continue }
            let key = responses.text(at: 0) ?? ""
            let runID = responses.text(at: 2) ?? ""
            let at = responses.integer(at: 3)
            var session = activity.sessions[key]
                ?? Session(sessionKey: key, conversation: conversation, lastResponseAt: at, runIDs: [])
            session.lastResponseAt = max(session.lastResponseAt, at)
            if !runID.isEmpty { session.runIDs.insert(runID) }
            activity.sessions[key] = session
        }
        return activity
    }

    /// The ledger's resume point for `activity`: from the first line after the earliest
    /// boundary (a session's last judged response, else its conversation's last event),
    /// else after the last line seen.
    private static func ledgerResume(in database: Database, for activity: JudgedActivity) throws(DatabaseError) -> LedgerResume? {
        let boundaries = activity.sessions.values.map(\.lastResponseAt) + activity.conversations.map(\.lastSeen)
        if let earliest = boundaries.min(),
           let hash = try database.singleText(sql: Schema.firstLedgerEntryHashAfter, arguments: [.integer(earliest)]) {
            return .at(hash: hash)
        }
        return try database.singleText(sql: Schema.latestLedgerEntryHash).map { .after(hash: $0) }
    }
}
