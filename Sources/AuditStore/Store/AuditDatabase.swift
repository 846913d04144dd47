import Runtime
/// Opening the audit store's database file for its two uses.
package enum AuditDatabase {
    /// Opens `path` for writing (creating it when missing) and applies pending migrations.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - busyTimeoutMs: how long to wait for another connection's lock.
    ///   - now: wall-clock ms recorded with each applied migration.
    /// - Throws: `DatabaseError` for a locked, read-only, corrupt or newer-schema database.
    package static func openWriter(
        path: String, busyTimeoutMs: Int32 = 5_000, now: Int64 = WallClock.milliseconds()
    ) throws(DatabaseError) -> Database {
        let database = try Database(path: path, mode: .writer, busyTimeoutMs: busyTimeoutMs)
        try DatabaseMigrator.auditStore.migrate(database, now: now)
        return database
    }

    /// Opens `path` read-only for `query`, `export` and `verify --db`.
    ///
    /// - Throws: `DatabaseError` when the file is missing, unreadable, not a database, or
    ///   written by a newer moses-coordinator.
    package static func openReader(path: String, busyTimeoutMs: Int32 = 5_000) throws(DatabaseError) -> Database {
        let database = try Database(path: path, mode: .readOnly, busyTimeoutMs: busyTimeoutMs)
        _ = try DatabaseMigrator.auditStore.checkNotSuperseded(database)
        return database
    }

    /// A table or view of the store with its columns, for `query --schema`.
    package struct SchemaObject: Sendable, Equatable {
        package var name: String
        /// `table` or `view`.
        package var type: String
        package var columns: [(name: String, type: String)]

        package static func == (lhs: SchemaObject, rhs: SchemaObject) -> Bool {
            lhs.name == rhs.name && lhs.type == rhs.type && lhs.columns.map(\.name) == rhs.columns.map(\.name)
                && lhs.columns.map(\.type) == rhs.columns.map(\.type)
        }
    }

    /// The tables and views of `database` (SQLite's own left out), tables first, by name.
    package static func schemaObjects(in database: Database) throws(DatabaseError) -> [SchemaObject] {
        let objects = try database.makeStatement(sql: Schema.schemaObjects)
        var result: [SchemaObject] = []
        while try objects.step() {
            result.append(SchemaObject(name: objects.text(at: 0) ?? "", type: objects.text(at: 1) ?? "", columns: []))
        }
        let columns = try database.makeStatement(sql: Schema.columnsOfObject)
        for index in result.indices {
            try columns.bind([.text(result[index].name)])
            while try columns.step() {
                result[index].columns.append((columns.text(at: 0) ?? "", columns.text(at: 1) ?? ""))
            }
        }
        return result
    }
}
