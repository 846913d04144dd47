/// The notification outbox's table and every SQL statement on it: the one place outbox SQL
/// lives (the migration step is listed in `Schema.steps`).
///
/// A row is one notification for one channel: a stored violation (`kind = 'violation'`,
/// written in the violation's own transaction by `AuditBatchApplier`) or a flood-control
/// summary (`kind = 'summary'`, written by the delivery worker). Rows of a channel are
/// delivered in `id` order. Times are wall-clock milliseconds since the epoch.
package enum OutboxSchema {
    static let outboxTable = """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            -- SET NULL: retention may delete an old violation; its notification (the payload
            -- holds the whole violation) stays as history.
            violation_id INTEGER REFERENCES violations (id) ON DELETE SET NULL,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'violation',
            rule TEXT NOT NULL DEFAULT '',
            conversation TEXT NOT NULL DEFAULT '',
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            last_error TEXT,
            created_at INTEGER NOT NULL,
            delivered_at INTEGER
        );
        CREATE INDEX idx_outbox_state_channel ON outbox (state, channel, id);

        -- The stats view again, now with the outbox counts under their /metrics names.
        DROP VIEW stats;
        CREATE VIEW stats AS
            SELECT name, value, updated_at FROM counters
            UNION ALL SELECT 'moses_store_violations_rows', (SELECT count(*) FROM violations), NULL
            UNION ALL SELECT 'moses_store_responses_rows', (SELECT count(*) FROM responses), NULL
            UNION ALL SELECT 'moses_store_tool_calls_rows', (SELECT count(*) FROM tool_calls), NULL
            UNION ALL SELECT 'moses_store_ledger_rows', (SELECT count(*) FROM ledger), NULL
            UNION ALL SELECT '\(OutboxCounts.Name.pending)',
                (SELECT count(*) FROM outbox WHERE state = 'pending'), NULL
            UNION ALL SELECT '\(OutboxCounts.Name.delivered)',
                (SELECT count(*) FROM outbox WHERE state = 'delivered'), NULL
            UNION ALL SELECT '\(OutboxCounts.Name.failed)',
                (SELECT count(*) FROM outbox WHERE state = 'failed'), NULL
            UNION ALL SELECT '\(OutboxCounts.Name.suppressed)',
                (SELECT count(*) FROM outbox WHERE state IN ('suppressed', 'summarized')), NULL;
        """

    static let insertViolationRow = """
        INSERT INTO outbox (violation_id, channel, kind, rule, conversation, payload, next_attempt_at, created_at)
        VALUES (?, ?, 'violation', ?, ?, ?, ?, ?)
        """

    static let insertSummaryRow = """
        INSERT INTO outbox (channel, kind, rule, conversation, payload, next_attempt_at, created_at)
        VALUES (?, 'summary', ?, ?, ?, ?, ?)
        """

    /// The first pending row of each channel (the head that keeps the channel in order).
    static let pendingHeads = """
        SELECT id, violation_id, channel, kind, rule, conversation, payload, attempts, next_attempt_at, created_at
        FROM outbox
        WHERE id IN (SELECT min(id) FROM outbox WHERE state = 'pending' GROUP BY channel)
        ORDER BY id
        """

    static let markDelivered = """
        UPDATE outbox SET state = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL
        WHERE id = ? AND state = 'pending'
        """

    static let markRetry = """
        UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'
        """

    static let markFailed = """
        UPDATE outbox SET state = 'failed', attempts = ?, last_error = ? WHERE id = ? AND state = 'pending'
        """

    static let markSuppressed = "UPDATE outbox SET state = 'suppressed' WHERE id = ? AND state = 'pending'"

    /// Suppressed rows not yet summarized, grouped by what one summary covers.
    static let suppressedGroups = """
        SELECT channel, rule, conversation, count(*), min(created_at), max(created_at)
        FROM outbox WHERE state = 'suppressed'
        GROUP BY channel, rule, conversation ORDER BY min(id)
        """

    static let markSummarized = """
        UPDATE outbox SET state = 'summarized' WHERE state = 'suppressed' AND channel = ? AND rule = ? AND conversation = ?
        """

    static let countsByState = "SELECT state, count(*) FROM outbox GROUP BY state"

    static let rowsOfChannel = """
        SELECT id, violation_id, channel, kind, rule, conversation, payload, attempts, next_attempt_at, created_at,
            state, last_error, delivered_at
        FROM outbox WHERE channel = ? ORDER BY id
        """
}
