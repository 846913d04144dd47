/// Opening the audit store's database file for its two uses.
package enum AuditDatabase {
    /// Where the store lives when no `--db` is given. The one place this default is written;
    /// the configuration will supply the service's path.
    package static let defaultPath = "./moses-coordinator.db"

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
}
