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

    /// One session key of an active conversation that had judged responses.
    package struct Session: Sendable, Equatable {
        package var sessionKey: String
        package var conversation: String
        /// Event time (ms) of its last judged response.
        package var lastResponseAt: Int64
        /// The run ids of its judged responses among the latest read (none for runless ones).
        package var runIDs: Set<String>
    }

    /// Latest first.
    package var conversations: [Conversation] = []
    /// By session key.
    package var sessions: [String: Session] = [:]

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
    ///   - responsesPerConversation: how many of each conversation's latest responses give
    ///     the sessions' run ids (a `chat.history` read returns at most 1,000 rows).
    /// - Returns: the activity; empty for a new store.
    /// - Throws: `DatabaseError` when a read fails.
    /// - Complexity: one scan of `conversations`, then one index range per conversation.
    package static func read(
        from database: Database, windowMs: Int64, conversationLimit: Int, responsesPerConversation: Int
    ) throws(DatabaseError) -> JudgedActivity {
        var activity = JudgedActivity()
        guard conversationLimit > 0 else { return activity }
        let conversations = try database.makeStatement(sql: Schema.activeConversations)
        try conversations.bind([.integer(max(0, windowMs)), .integer(Int64(conversationLimit))])
        while try conversations.step() {
            activity.conversations.append(Conversation(
                conversation: conversations.text(at: 0) ?? "", lastSeen: conversations.integer(at: 1),
                cyclePosition: conversations.text(at: 2) ?? ""))
        }
        let responses = try database.makeStatement(sql: Schema.recentResponsesOfConversation)
        for conversation in activity.conversations {
            try responses.bind([.text(conversation.conversation), .integer(Int64(max(1, responsesPerConversation)))])
            while try responses.step() {
                let key = responses.text(at: 0) ?? ""
                let runID = responses.text(at: 1) ?? ""
                let at = responses.integer(at: 2)
                var session = activity.sessions[key]
                    ?? Session(sessionKey: key, conversation: conversation.conversation, lastResponseAt: at, runIDs: [])
                session.lastResponseAt = max(session.lastResponseAt, at)
                if !runID.isEmpty { session.runIDs.insert(runID) }
                activity.sessions[key] = session
            }
        }
        return activity
    }
}
