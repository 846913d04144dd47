import AuditStore

/// Per (channel, rule, conversation) suppression windows: the first violation opens a window
/// of `windowMs` (by the time it was stored); later ones stored inside it are held back, and
/// summarized when it ends.
///
/// Owned by the delivery worker's thread; a value type. Windows live in memory: after a
/// restart, suppressed rows left over are summarized at once and the next violation opens
/// a new window.
struct FloodControl {
    struct Key: Hashable {
        var channel: String
        var rule: String
        var conversation: String
    }

    /// The window length in ms; 0 turns suppression off.
    let windowMs: Int64
    private var windows: [Key: (start: Int64, opener: Int64)] = [:]

    init(windowMs: Int64) {
        self.windowMs = windowMs
    }

    /// True when `row` is to be delivered; false when it falls in an open window. A row that
    /// opened a window is admitted again on each retry.
    mutating func admits(_ row: OutboxRow) -> Bool {
        guard windowMs > 0, row.kind == .violation else { return true }
        let key = Key(channel: row.channel, rule: row.rule, conversation: row.conversation)
        if let window = windows[key] {
            if window.opener == row.id { return true }
            if row.createdAt >= window.start && row.createdAt < window.start + windowMs { return false }
        }
        windows[key] = (row.createdAt, row.id)
        return true
    }

    /// When the window covering `group` ends; nil when no window is known (summarize now).
    func windowEnd(of group: Outbox.SuppressedGroup) -> Int64? {
        windows[Key(channel: group.channel, rule: group.rule, conversation: group.conversation)].map { $0.start + windowMs }
    }

    /// Forgets windows that ended more than a window ago (bounded memory).
    mutating func prune(now: Int64) {
        windows = windows.filter { $0.value.start + 2 * windowMs > now }
    }
}
