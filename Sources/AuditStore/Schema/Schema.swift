/// The audit store's schema and every SQL statement the store runs: the one place SQL lives.
///
/// Conventions: times are integer milliseconds since the epoch (`ts` = event time from the
/// input, `recorded_at` = wall clock when stored). Optional identities (`run_id`,
/// `tool_call_id`) are stored as `''` rather than NULL so that unique keys hold: SQLite
/// treats NULLs as distinct in a UNIQUE index.
///
/// Idempotency (replaying a capture twice adds nothing): every event table has a unique key
/// on the event's identity and is written with `ON CONFLICT DO NOTHING`:
/// - violation: (ts, conversation, agent_id, rule, run_id, expected, actual);
/// - response: (conversation, agent_id, run_id, ts, ordinal), `ordinal` counting the agent's
///   earlier responses of the same millisecond in the conversation (responses without a run
///   id, such as every legacy frame, are told apart by nothing else);
/// - tool call: (conversation, agent_id, tool_call_id, name, ts);
/// - MO§ES ledger entry seen: (hash, previous_hash);
/// - state change: (ts, mode, posture, governance_role).
/// A violation that was already stored adds no `ledger` row either. Daemon lifecycle events
/// are not deduplicated: each start/stop is a distinct fact.
package enum Schema {
    /// The migration steps, in order. Never edit a shipped step; append a new one.
    package static let steps: [DatabaseMigrator.Step] = [
        .init(identifier: "2026-11-24-01-core-tables", sql: coreTables),
        .init(identifier: "2026-11-24-02-views", sql: views),
        .init(identifier: "2026-11-24-03-outbox", sql: OutboxSchema.outboxTable),
        .init(identifier: "2026-11-30-04-ledger-verification", sql: ledgerVerificationTable),
        .init(identifier: "2026-11-30-05-responses-ordinal", sql: responsesOrdinal),
        .init(identifier: "2026-11-30-06-violations-rule-label", sql: violationsRuleLabel),
    ]

    static let coreTables = """
        CREATE TABLE violations (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            session_key TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            role TEXT,
            rule TEXT NOT NULL,
            expected TEXT NOT NULL,
            actual TEXT NOT NULL,
            detail TEXT NOT NULL,
            run_id TEXT NOT NULL DEFAULT '',
            mode TEXT NOT NULL,
            posture TEXT NOT NULL,
            governance_role TEXT NOT NULL,
            recorded_at INTEGER NOT NULL
        );
        -- The identity key leads with ts, so it is also the by-time index.
        CREATE UNIQUE INDEX idx_violations_identity
            ON violations (ts, conversation, agent_id, rule, run_id, expected, actual);
        CREATE INDEX idx_violations_conversation_ts ON violations (conversation, ts);
        CREATE INDEX idx_violations_rule_ts ON violations (rule, ts);
        CREATE INDEX idx_violations_agent ON violations (agent_id, ts);

        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            session_key TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            role TEXT,
            run_id TEXT NOT NULL DEFAULT '',
            text_length INTEGER NOT NULL,
            is_audited INTEGER NOT NULL,
            source TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            UNIQUE (conversation, agent_id, run_id, ts)
        );

        CREATE TABLE tool_calls (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            session_key TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            role TEXT,
            run_id TEXT NOT NULL DEFAULT '',
            tool_call_id TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            command TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            UNIQUE (conversation, agent_id, tool_call_id, name, ts)
        );

        CREATE TABLE ledger_entries (
            id INTEGER PRIMARY KEY,
            ts INTEGER,
            line INTEGER,
            agent TEXT NOT NULL,
            action TEXT NOT NULL,
            hash TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            computed_hash TEXT NOT NULL,
            is_intact INTEGER NOT NULL,
            recorded_at INTEGER NOT NULL,
            UNIQUE (hash, previous_hash)
        );

        CREATE TABLE state_changes (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            mode TEXT NOT NULL,
            posture TEXT NOT NULL,
            governance_role TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            UNIQUE (ts, mode, posture, governance_role)
        );

        CREATE TABLE conversations (
            conversation TEXT PRIMARY KEY NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            cycle_position TEXT NOT NULL DEFAULT '',
            responses INTEGER NOT NULL DEFAULT 0,
            tool_calls INTEGER NOT NULL DEFAULT 0,
            violations INTEGER NOT NULL DEFAULT 0
        );

        -- Monotonic counters (engine, writer, sources), as absolute values.
        CREATE TABLE counters (
            name TEXT PRIMARY KEY NOT NULL,
            value INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );

        -- Our own append-only hash-chained record: each row is a MO§ES-format audit record
        -- (timestamp … session_hash) whose hash is the canonical SHA-256 of those fields plus
        -- previous_hash, the previous row's hash (64 zeros for the first row).
        CREATE TABLE ledger (
            seq INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            violation_id INTEGER,
            ts INTEGER NOT NULL,
            conversation TEXT NOT NULL DEFAULT '',
            rule TEXT NOT NULL DEFAULT '',
            timestamp TEXT NOT NULL,
            agent TEXT NOT NULL,
            component TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL,
            outcome TEXT NOT NULL,
            mode TEXT NOT NULL,
            posture TEXT NOT NULL,
            role TEXT NOT NULL,
            session_hash TEXT,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        """

    static let views = """
        CREATE VIEW violations_by_rule AS
            SELECT rule, count(*) AS violations, count(DISTINCT conversation) AS conversations,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM violations GROUP BY rule;

        CREATE VIEW violations_by_conversation AS
            SELECT conversation, count(*) AS violations, count(DISTINCT rule) AS rules,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM violations GROUP BY conversation;

        CREATE VIEW recent_activity AS
            SELECT ts, strftime('%Y-%m-%dT%H:%M:%fZ', ts / 1000.0, 'unixepoch') AS time, kind,
                   conversation, agent_id, what
            FROM (
                SELECT ts, 'violation' AS kind, conversation, agent_id, rule || ': ' || detail AS what
                    FROM violations
                UNION ALL
                SELECT ts, 'response', conversation, agent_id,
                       CASE is_audited WHEN 1 THEN 'audited' ELSE 'not audited' END FROM responses
                UNION ALL
                SELECT ts, 'tool_call', conversation, agent_id, name FROM tool_calls
                UNION ALL
                SELECT ts, 'state_change', '', '', mode || '/' || posture || '/' || governance_role
                    FROM state_changes
            )
            ORDER BY ts DESC LIMIT 200;

        CREATE VIEW stats AS
            SELECT name, value, updated_at FROM counters
            UNION ALL SELECT 'moses_store_violations_rows', (SELECT count(*) FROM violations), NULL
            UNION ALL SELECT 'moses_store_responses_rows', (SELECT count(*) FROM responses), NULL
            UNION ALL SELECT 'moses_store_tool_calls_rows', (SELECT count(*) FROM tool_calls), NULL
            UNION ALL SELECT 'moses_store_ledger_rows', (SELECT count(*) FROM ledger), NULL;
        """

    /// The last row of `ledger` whose chain was verified, so the integrity check resumes
    /// there instead of re-reading the whole ledger: one row at most (`id` is always 1).
    static let ledgerVerificationTable = """
        CREATE TABLE ledger_verification (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            position INTEGER NOT NULL,
            verified_at INTEGER NOT NULL
        );
        """

    /// Rebuilds `responses` with `ordinal` in its unique key (SQLite cannot change a table's
    /// constraints in place). Legacy renaming leaves the views that name `responses` as they
    /// are: they resolve to the new table once it has the name.
    /// Renames the per-rule counters `moses_engine_violations_<rule>_total` to the one family
    /// `/metrics` now serves with a label, `moses_violations_total{rule="<rule>"}`, so the
    /// `stats` view of a store written by an older daemon agrees with `/metrics`.
    /// 25 and 30: the lengths of `moses_engine_violations_` (24) plus one, and of it plus `_total`.
    static let violationsRuleLabel = """
        UPDATE counters
            SET name = 'moses_violations_total{rule="' || substr(name, 25, length(name) - 30) || '"}'
            WHERE name GLOB 'moses_engine_violations_*_total';
        """

    static let responsesOrdinal = """
        PRAGMA legacy_alter_table = ON;
        CREATE TABLE responses_by_ordinal (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            session_key TEXT NOT NULL,
            agent_id TEXT NOT NULL,
            role TEXT,
            run_id TEXT NOT NULL DEFAULT '',
            text_length INTEGER NOT NULL,
            is_audited INTEGER NOT NULL,
            source TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            ordinal INTEGER NOT NULL DEFAULT 0,
            UNIQUE (conversation, agent_id, run_id, ts, ordinal)
        );
        INSERT INTO responses_by_ordinal (id, ts, conversation, session_key, agent_id, role, run_id,
            text_length, is_audited, source, recorded_at)
        SELECT id, ts, conversation, session_key, agent_id, role, run_id, text_length, is_audited,
            source, recorded_at FROM responses;
        DROP TABLE responses;
        ALTER TABLE responses_by_ordinal RENAME TO responses;
        PRAGMA legacy_alter_table = OFF;
        """

    static let selectLedgerCheckpoint = "SELECT seq, hash, position FROM ledger_verification WHERE id = 1"

    static let upsertLedgerCheckpoint = """
        INSERT INTO ledger_verification (id, seq, hash, position, verified_at) VALUES (1, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
            position = excluded.position, verified_at = excluded.verified_at
        """

    static let quickCheck = "PRAGMA quick_check"

    // MARK: Statements

    package static let insertViolation = """
        INSERT INTO violations (ts, conversation, session_key, agent_id, role, rule, expected, actual,
            detail, run_id, mode, posture, governance_role, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    static let insertResponse = """
        INSERT INTO responses (ts, conversation, session_key, agent_id, role, run_id, text_length,
            is_audited, source, recorded_at, ordinal)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// A stored response found audited after it was judged (its ledger append came in the grace).
    static let markResponseAudited = """
        UPDATE responses SET is_audited = 1
        WHERE conversation = ? AND agent_id = ? AND run_id = ? AND ts = ? AND ordinal = ?
        """

    static let insertToolCall = """
        INSERT INTO tool_calls (ts, conversation, session_key, agent_id, role, run_id, tool_call_id, name,
            command, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    static let insertLedgerEntry = """
        INSERT INTO ledger_entries (ts, line, agent, action, hash, previous_hash, computed_hash, is_intact,
            recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    static let insertStateChange = """
        INSERT INTO state_changes (ts, mode, posture, governance_role, recorded_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// Absolute values from the engine, so a replay writes the same row again.
    /// Retention: one statement per pruned table, rows recorded before the bound parameter.
    /// Violations and `ledger` stay (an audit record); delivered or failed notifications go.
    static let pruneEvents = [
        "DELETE FROM responses WHERE recorded_at < ?",
        "DELETE FROM tool_calls WHERE recorded_at < ?",
        "DELETE FROM ledger_entries WHERE recorded_at < ?",
        "DELETE FROM state_changes WHERE recorded_at < ?",
        "DELETE FROM outbox WHERE state IN ('delivered', 'failed') AND created_at < ?",
    ]

    static let upsertConversation = """
        INSERT INTO conversations (conversation, first_seen, last_seen, cycle_position, responses,
            tool_calls, violations)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (conversation) DO UPDATE SET
            first_seen = min(first_seen, excluded.first_seen),
            cycle_position = CASE WHEN excluded.last_seen >= last_seen
                THEN excluded.cycle_position ELSE cycle_position END,
            last_seen = max(last_seen, excluded.last_seen),
            responses = max(responses, excluded.responses),
            tool_calls = max(tool_calls, excluded.tool_calls),
            violations = max(violations, excluded.violations)
        """

    static let upsertCounter = """
        INSERT INTO counters (name, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
        """

    static let insertLedgerRow = """
        INSERT INTO ledger (kind, violation_id, ts, conversation, rule, timestamp, agent, component, action,
            detail, outcome, mode, posture, role, session_hash, previous_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static let lastLedgerHash = "SELECT hash FROM ledger ORDER BY seq DESC LIMIT 1"

    static let ledgerHashAtSeq = "SELECT hash FROM ledger WHERE seq = ?"

    /// The ledger in chain order, every column a MO§ES record needs (see `LedgerRow`).
    static let ledgerRowColumns = """
        SELECT seq, timestamp, agent, component, action, detail, outcome, mode, posture, role,
            session_hash, previous_hash, hash FROM ledger
        """

    /// The last-hour-for-one-conversation question (bench and the plan test).
    package static let violationsForConversationSince = """
        SELECT id, ts, agent_id, rule, detail FROM violations
        WHERE conversation = ? AND ts >= ? ORDER BY ts
        """

    /// The conversations judged within a window (ms of event time) before the last thing the
    /// store judged, latest first, at most the second parameter (a restart's resync).
    static let activeConversations = """
        SELECT conversation, last_seen, cycle_position FROM conversations
        WHERE last_seen >= (SELECT max(last_seen) FROM conversations) - ?
        ORDER BY last_seen DESC LIMIT ?
        """

    /// The store's latest responses, latest stored first, at most the parameter: read
    /// backwards by rowid, so no index on the write path is needed for it.
    static let latestResponses = """
        SELECT session_key, conversation, run_id, ts FROM responses ORDER BY id DESC LIMIT ?
        """

    /// The declared hash of the last MO§ES ledger line the tail saw.
    static let latestLedgerEntryHash = """
        SELECT hash FROM ledger_entries ORDER BY id DESC LIMIT 1
        """

    /// The first MO§ES ledger line the tail saw stamped after a time (a restart reads the
    /// ledger again from there). A scan backwards by rowid: the lines wanted are recent.
    static let firstLedgerEntryHashAfter = """
        SELECT hash FROM ledger_entries
        WHERE id >= (SELECT min(id) FROM ledger_entries WHERE ts > ?) ORDER BY id LIMIT 1
        """

    /// The tables and views `query --schema` prints.
    static let schemaObjects = """
        SELECT name, type FROM sqlite_schema
        WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY type, name
        """

    static let columnsOfObject = "SELECT name, type FROM pragma_table_info(?)"
}
