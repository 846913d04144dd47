import CSQLite
import Testing
import TestSupport
@testable import AuditStore

/// The read-only query connection refuses every kind of change with a clear message.
@Suite struct ReadOnlyGuardTests {
    static let forbidden: [(sql: String, reason: String)] = [
        ("INSERT INTO counters VALUES ('x', 1, 1)", "INSERT"),
        ("UPDATE counters SET value = 2", "UPDATE"),
        ("DELETE FROM counters", "DELETE"),
        ("CREATE TABLE evil (x)", "CREATE"),
        ("DROP TABLE counters", "DROP"),
        ("DROP VIEW stats", "DROP"),
        ("UPDATE sqlite_master SET type = 'x'", "sqlite_master"),
        ("REPLACE INTO counters VALUES ('x', 1, 1)", "INSERT"),
        ("ATTACH DATABASE '/tmp/other.db' AS other", "ATTACH"),
        ("PRAGMA query_only = 0", "PRAGMA query_only"),
        ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"),
        ("PRAGMA wal_checkpoint", "PRAGMA wal_checkpoint"),
        ("SELECT load_extension('/tmp/evil.so')", "load_extension"),
        ("SELECT fts3_tokenizer('simple')", "fts3_tokenizer"),
        ("BEGIN", "BEGIN/COMMIT"),
    ]

    @Test(arguments: 0..<ReadOnlyGuardTests.forbidden.count)
    func forbiddenStatementIsRejected(_ index: Int) throws {
        let (sql, reason) = Self.forbidden[index]
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        do {
            let writer = try AuditDatabase.openWriter(path: path)
            try writer.execute(sql: "INSERT INTO counters VALUES ('moses_test_total', 1, 1)")
        }
        let reader = try AuditDatabase.openReader(path: path)
        #expect {
            let statement = try reader.makeStatement(sql: sql)
            while try statement.step() {}
        } throws: { error in
            guard let error = error as? DatabaseError else { return false }
            let text = String(describing: error)
            // SQLite itself refuses sqlite_master before our guards get a say.
            return text.contains(reason) && (text.contains("query rejected") || text.contains("may not be modified"))
        }
        // Nothing changed.
        #expect(try reader.singleInteger(sql: "SELECT value FROM counters WHERE name = 'moses_test_total'") == 1)
        #expect(try reader.singleText(sql: "PRAGMA journal_mode") == "wal")
    }

    @Test func selectsAndIntrospectionAreAllowed() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        _ = try AuditDatabase.openWriter(path: path)
        let reader = try AuditDatabase.openReader(path: path)
        #expect(try reader.singleInteger(sql: "SELECT count(*) FROM stats WHERE name LIKE 'moses_store_%_rows'") == 4)
        #expect(try reader.singleInteger(sql: "SELECT count(*) FROM pragma_table_info('violations')") == 15)
        #expect(try reader.singleInteger(sql: "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) SELECT sum(x) FROM n") == 15)
        #expect(try reader.singleInteger(sql: "PRAGMA user_version") == 0)
    }

    @Test func missingFileIsAClearErrorNotACreation() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("absent.db")
        #expect {
            _ = try AuditDatabase.openReader(path: path)
        } throws: { error in
            (error as? DatabaseError)?.code ~= .cannotOpen && String(describing: error).contains(path)
        }
    }

    /// Defensive mode on, the FTS3 tokenizer interface and schema trust off, as SQLite
    /// itself reports them (-1 reads a setting without changing it).
    @Test func theConnectionIsHardened() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("store.db")
        try AuditDatabase.openWriter(path: path).close()
        let reader = try AuditDatabase.openReader(path: path)
        for (option, expected) in [
            (SQLITE_DBCONFIG_DEFENSIVE, Int32(1)), (SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0), (SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0),
        ] {
            var now: Int32 = -1
            #expect(csqlite_db_config_int(reader.handle, option, -1, &now) == SQLITE_OK)
            #expect(now == expected, "option \(option)")
        }
    }
}
