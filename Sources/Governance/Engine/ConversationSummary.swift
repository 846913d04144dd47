/// Where a conversation stands, as the store's `conversations` table keeps it.
package struct ConversationSummary: Sendable, Equatable {
    package var conversation: String
    /// Event times of the first and last events seen (since the engine last evicted it).
    package var firstSeen: Int64
    package var lastSeen: Int64
    /// The cycle's position, e.g. `awaiting secondary`.
    package var cyclePosition: String
    package var responses: Int
    package var toolCalls: Int
    package var violations: Int
}
