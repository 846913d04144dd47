import Testing
import TestSupport
@testable import AuditStore

@Suite struct DatabaseMigratorTests {
    @Test func newDatabaseGetsEveryStepAndTheSchema() throws {
        let directory = TemporaryDirectory()
        let database = try AuditDatabase.openWriter(path: directory.file("store.db"))
        let applied = try DatabaseMigrator.auditStore.appliedIdentifiers(in: database)
        #expect(applied == Schema.steps.map(\.identifier))
        for name in ["violations", "responses", "tool_calls", "ledger_entries", "state_changes", "conversations",
                     "counters", "ledger", "violations_by_rule", "violations_by_conversation", "recent_activity",
                     "stats"] {
            let count = try database.singleInteger(
                sql: "SELECT count(*) FROM sqlite_schema WHERE name = ?", arguments: [.text(name)])
            #expect(count == 1, "missing \(name)")
        }
        #expect(try database.singleText(sql: "PRAGMA journal_mode") == "wal")
        #expect(try database.singleInteger(sql: "PRAGMA synchronous") == 2)  // FULL
    }

    @Test func reopeningAppliesNothing() throws {
        let directory = TemporaryDirectory()
        _ = try AuditDatabase.openWriter(path: directory.file("store.db"))
        let database = try Database(path: directory.file("store.db"), mode: .writer)
        #expect(try DatabaseMigrator.auditStore.migrate(database, now: 0).isEmpty)
    }

    /// A file written by an older binary (only the first step, with data) is migrated in
    /// place and keeps its rows.
    @Test func olderSchemaIsMigratedKeepingRows() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("old.db")
        do {
            let old = try Database(path: path, mode: .writer)
            try DatabaseMigrator(steps: Array(Schema.steps.prefix(1))).migrate(old, now: 1)
            try old.execute(sql: """
                INSERT INTO violations (ts, conversation, session_key, agent_id, role, rule, expected, actual,
                    detail, run_id, mode, posture, governance_role, recorded_at)
                VALUES (1000, 'discord:group:1', 'agent:observer:discord:group:1', 'observer', 'observer',
                    'sequence', 'secondary', 'observer', 'out of order', 'run-1', 'high-integrity', 'defense',
                    'primary', 5)
                """)
            #expect(try old.singleInteger(sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'stats'") == 0)
        }
        let database = try AuditDatabase.openWriter(path: path)
        #expect(try DatabaseMigrator.auditStore.appliedIdentifiers(in: database) == Schema.steps.map(\.identifier))
        #expect(try database.singleInteger(sql: "SELECT violations FROM violations_by_rule WHERE rule = 'sequence'") == 1)
    }

    /// A store whose `responses` key had no ordinal is rebuilt keeping its rows and ids; a
    /// second response of the same agent and millisecond then gets its own row, and the
    /// views that read `responses` still work.
    @Test func responsesKeyGainsTheOrdinalKeepingRows() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("before-ordinal.db")
        let insertOld = """
            INSERT INTO responses (ts, conversation, session_key, agent_id, role, run_id, text_length,
                is_audited, source, recorded_at)
            VALUES (1000, 's-1', 's-1', 'primary', 'primary', '', 0, 0, 'session_update', 5)
            """
        do {
            let old = try Database(path: path, mode: .writer)
            let before = Schema.steps.prefix { $0.identifier != "2026-11-30-05-responses-ordinal" }
            try DatabaseMigrator(steps: Array(before)).migrate(old, now: 1)
            try old.execute(sql: insertOld)
            #expect(try old.execute(sql: insertOld + " ON CONFLICT DO NOTHING", arguments: []) == 0, "the old key drops the second")
        }
        let database = try AuditDatabase.openWriter(path: path)
        #expect(try DatabaseMigrator.auditStore.appliedIdentifiers(in: database) == Schema.steps.map(\.identifier))
        #expect(try database.singleInteger(sql: "SELECT ordinal FROM responses WHERE id = 1") == 0)
        try database.execute(sql: Schema.insertResponse, arguments: [
            .integer(1000), .text("s-1"), .text("s-1"), .text("primary"), .text("primary"), .text(""),
            .integer(0), .integer(0), .text("session_update"), .integer(6), .integer(1),
        ])
        #expect(try database.count("responses") == 2)
        #expect(try database.singleInteger(sql: "SELECT count(*) FROM recent_activity WHERE kind = 'response'") == 2)
        #expect(try database.singleInteger(sql: "SELECT value FROM stats WHERE name = 'moses_store_responses_rows'") == 2)
    }

    /// Per-rule counter rows an older daemon wrote become the labelled family /metrics
    /// serves, keeping their values, so the `stats` view and /metrics still agree.
    @Test func perRuleViolationCountersBecomeOneLabelledFamily() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("before-rule-label.db")
        do {
            let old = try Database(path: path, mode: .writer)
            let before = Schema.steps.prefix { $0.identifier != "2026-11-30-06-violations-rule-label" }
            try DatabaseMigrator(steps: Array(before)).migrate(old, now: 1)
            try old.execute(sql: """
                INSERT INTO counters VALUES ('moses_engine_violations_sequence_total', 3, 1),
                    ('moses_engine_violations_audit_before_response_total', 2, 1), ('moses_engine_events_total', 9, 1)
                """)
        }
        let database = try AuditDatabase.openWriter(path: path)
        #expect(try database.singleInteger(
            sql: "SELECT value FROM stats WHERE name = 'moses_violations_total{rule=\"sequence\"}'") == 3)
        #expect(try database.singleInteger(
            sql: "SELECT value FROM stats WHERE name = 'moses_violations_total{rule=\"audit_before_response\"}'") == 2)
        #expect(try database.singleInteger(sql: "SELECT count(*) FROM counters WHERE name LIKE 'moses_engine_violations_%'") == 0)
        #expect(try database.singleInteger(sql: "SELECT value FROM stats WHERE name = 'moses_engine_events_total'") == 9)
    }

    @Test func newerSchemaIsAClearError() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("future.db")
        do {
            let database = try AuditDatabase.openWriter(path: path)
            try database.execute(sql: "INSERT INTO schema_migrations VALUES ('2099-01-01-01-from-the-future', 0)")
        }
        #expect {
            _ = try AuditDatabase.openWriter(path: path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("newer") && text.contains("2099-01-01-01-from-the-future")
        }
        #expect(throws: DatabaseError.self) { _ = try AuditDatabase.openReader(path: path) }
    }

    @Test func failingStepIsRolledBackAndNamed() throws {
        let directory = TemporaryDirectory()
        let database = try Database(path: directory.file("bad.db"), mode: .writer)
        let migrator = DatabaseMigrator(steps: [
            .init(identifier: "one", sql: "CREATE TABLE a (x)"),
            .init(identifier: "two", sql: "CREATE TABLE b (x); CREATE TABLE a (y)"),
        ])
        #expect {
            try migrator.migrate(database, now: 0)
        } throws: { error in
            String(describing: error).contains("step two")
        }
        #expect(try migrator.appliedIdentifiers(in: database) == ["one"])
        #expect(try database.singleInteger(sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'b'") == 0)
    }
}
