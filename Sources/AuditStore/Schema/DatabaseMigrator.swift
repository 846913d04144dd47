/// Applies an ordered list of named schema steps, each once, in its own immediate
/// transaction, and records each in `schema_migrations`.
///
/// Shipped steps are never edited, only appended. A database that records a step this
/// binary does not know was written by a newer version: opening it is an error rather than
/// a guess (GRDB's `hasBeenSuperseded`).
package struct DatabaseMigrator: Sendable {
    /// One named schema step.
    package struct Step: Sendable {
        /// The stable identifier recorded in `schema_migrations`.
        package var identifier: String
        /// The SQL run once, inside the step's transaction.
        package var sql: String

        package init(identifier: String, sql: String) {
            self.identifier = identifier
            self.sql = sql
        }
    }

    package var steps: [Step]

    package init(steps: [Step]) { self.steps = steps }

    /// The store's migrator: every step of `Schema.steps`.
    package static let auditStore = DatabaseMigrator(steps: Schema.steps)

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            identifier TEXT PRIMARY KEY NOT NULL,
            applied_at INTEGER NOT NULL
        )
        """

    /// The identifiers recorded in `database`, in application order; empty for a new file.
    package func appliedIdentifiers(in database: Database) throws(DatabaseError) -> [String] {
        let exists = try database.singleInteger(
            sql: "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
        guard exists == 1 else { return [] }
        let statement = try database.makeStatement(sql: "SELECT identifier FROM schema_migrations ORDER BY rowid")
        var identifiers: [String] = []
        while try statement.step() { identifiers.append(statement.text(at: 0) ?? "") }
        return identifiers
    }

    /// Checks that `database` knows no step we do not, without changing anything.
    ///
    /// - Throws: `DatabaseError` when the file records unknown steps (a newer schema).
    package func checkNotSuperseded(_ database: Database) throws(DatabaseError) -> [String] {
        let applied = try appliedIdentifiers(in: database)
        let known = Set(steps.map(\.identifier))
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw DatabaseError(
                code: .error,
                message: "the database schema is newer than this moses-coordinator: unknown migration(s) "
                    + unknown.joined(separator: ", ") + " in \(database.path); upgrade moses-coordinator",
                operation: "migrate")
        }
        return applied
    }

    /// Applies every step not yet recorded.
    ///
    /// - Returns: the identifiers applied now.
    /// - Throws: `DatabaseError` for a newer schema or a failing step (which is rolled back).
    @discardableResult
    package func migrate(_ database: Database, now: Int64) throws(DatabaseError) -> [String] {
        let applied = Set(try checkNotSuperseded(database))
        var appliedNow: [String] = []
        for step in steps where !applied.contains(step.identifier) {
            do {
                try database.inTransaction(.immediate) {
                    try database.execute(sql: Self.createTable)
                    try database.execute(sql: step.sql)
                    try database.execute(
                        sql: "INSERT INTO schema_migrations (identifier, applied_at) VALUES (?, ?)",
                        arguments: [.text(step.identifier), .integer(now)])
                    return .commit
                }
            } catch let error as DatabaseError {
                throw DatabaseError(
                    code: error.code, message: "step \(step.identifier): \(error.message)", sql: error.sql,
                    operation: "migrate")
            } catch {
                preconditionFailure("a migration step threw a non-database error: \(error)")
            }
            appliedNow.append(step.identifier)
        }
        return appliedNow
    }
}
