import CSQLite
import WireFormats

/// One SQLite connection: opening with the right flags and pragmas, one-shot SQL, cached
/// statements and closure transactions.
///
/// Owned by one thread at a time (the writer thread, or the CLI's main thread for
/// `query`/`export`/`verify`); not `Sendable`. Closed in `close()` or `deinit`.
package final class Database {
    /// How the connection is opened.
    package enum Mode: Sendable {
        /// Read-write, created when missing, WAL and `synchronous=FULL`: the audit writer.
        case writer
        /// `SQLITE_OPEN_READONLY`, `query_only`, and an authorizer that denies anything but
        /// reading: `query`, `export`, `verify --db`.
        case readOnly
    }

    /// The file path as given.
    package let path: String
    package let mode: Mode
    private(set) var handle: OpaquePointer!
    private var statementCache: [String: Statement] = [:]
    /// Set while the read-only authorizer is installed; holds the last denial's reason.
    let authorizer: ReadOnlyAuthorizer?
    /// Set by `limitStatementTime`; the progress handler's context, kept alive here.
    var statementDeadline: StatementDeadline?

    /// Opens (and for `.writer`, creates) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - mode: writer or read-only.
    ///   - busyTimeoutMs: how long a statement waits for another connection's lock.
    /// - Throws: `DatabaseError` naming the path when the file cannot be opened, is not a
    ///   database or is corrupt, is locked past the timeout, or (writer) is read-only.
    package init(path: String, mode: Mode, busyTimeoutMs: Int32 = 5_000) throws(DatabaseError) {
        self.path = path
        self.mode = mode
        self.authorizer = mode == .readOnly ? ReadOnlyAuthorizer() : nil
        var connection: OpaquePointer?
        if mode == .writer { Self.createFileIfMissing(at: path) }
        let flags: Int32 = switch mode {
        case .writer: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        case .readOnly: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        }
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
            let systemErrno = connection.map { sqlite3_system_errno($0) } ?? 0
            sqlite3_close_v2(connection)
            // SQLite says only "unable to open database file"; the file system says why.
            let problem = FileProblem.diagnose(path: path, forWriting: mode == .writer)
                ?? (systemErrno != 0 ? FileProblem(path: path, code: systemErrno) : nil)
            throw DatabaseError(
                code: ResultCode(rawValue: extended),
                message: problem.map { "cannot open \($0) [SQLite: \(message)]" } ?? "\(message): \(path)",
                operation: "open")
        }
        handle = connection
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, busyTimeoutMs)
        do {
            try configure()
        } catch {
            close()
            throw DatabaseError(
                code: error.code, message: "\(error.message): \(path)", sql: error.sql, operation: "open")
        }
    }

    deinit { close() }

    /// Finalizes every cached statement and closes the connection. Idempotent.
    package func close() {
        guard let handle else { return }
        statementCache.removeAll()
        if mode == .writer {
            // The WAL persists (see configure): the last close checkpoints it, then truncates
            // it to journal_size_limit. 0 leaves an empty -wal, not up to 32 MiB of copied
            // frames that the next open would read instead of the database file.
            sqlite3_exec(handle, "PRAGMA journal_size_limit=0", nil, nil, nil)
        }
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    private func configure() throws(DatabaseError) {
        switch mode {
        case .writer:
            // Reading the schema first turns "not a database" / corruption into an error here,
            // at open, rather than at the first write.
            try execute(sql: "SELECT count(*) FROM sqlite_schema")
            // SQLITE_OPEN_READWRITE silently falls back to read-only on a write-protected file.
            guard sqlite3_db_readonly(handle, "main") != 1 else {
                throw DatabaseError(code: .readOnly, message: "the database file is read-only", operation: "open")
            }
            let journal = try singleText(sql: "PRAGMA journal_mode=WAL")
            guard journal?.lowercased() == "wal" else {
                throw DatabaseError(
                    code: .error, message: "could not switch to WAL (journal_mode is \(journal ?? "unknown"))",
                    operation: "open")
            }
            // Keep `-wal` and `-shm` (0640, like the store) when the writer closes: a reader in
            // the service's group cannot create them in the 0750 state directory, and SQLite
            // reads a WAL database through existing read-only `-wal`/`-shm` files. Without
            // them, `query` after a clean stop fails with SQLITE_READONLY_DIRECTORY.
            var persistWAL: Int32 = 1
            let persistCode = sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persistWAL)
            guard persistCode == SQLITE_OK else {
                throw lastError(operation: "open (persistent WAL)", sql: nil, code: persistCode)
            }
            // FULL: a committed batch survives power loss, which the notifier relies on
            // ("stored before anyone is told").
            try execute(sql: "PRAGMA synchronous=FULL")
            // Checkpoint every 8192 pages (32 MiB of WAL) rather than SQLite's 1000: index pages
            // that every batch touches are then copied into the database once per checkpoint
            // instead of about once per batch.
            try execute(sql: "PRAGMA wal_autocheckpoint=8192")
            try execute(sql: "PRAGMA foreign_keys=ON")
        case .readOnly:
            try hardenAgainstHostileSQL()
            try execute(sql: "PRAGMA query_only=1")
            try execute(sql: "SELECT count(*) FROM sqlite_schema")
            authorizer?.install(on: handle)
        }
    }

    // MARK: Errors

    /// The connection's current error as a `DatabaseError`.
    func lastError(operation: String, sql: String?, code: Int32) -> DatabaseError {
        let extended = sqlite3_extended_errcode(handle)
        var message = String(cString: sqlite3_errmsg(handle))
        var resultCode = ResultCode(rawValue: extended == SQLITE_OK ? code : extended)
        // SQLite reports an authorizer denial at prepare time as a plain SQLITE_ERROR "not
        // authorized"; the authorizer kept the reason.
        if let reason = authorizer?.takeDenial() {
            message = reason
            resultCode = .authorization
        }
        if let statementDeadline, statementDeadline.didExpire {
            message = "the statement was stopped after its time limit of \(statementDeadline.limitDescription)"
            resultCode = .interrupted
        }
        return DatabaseError(code: resultCode, message: message, sql: sql, operation: operation)
    }

    /// Evicts a statement whose step failed from the cache (it may be in a bad state).
    func statementDidFail(_ statement: Statement) {
        if statementCache[statement.sql] === statement { statementCache[statement.sql] = nil }
    }

    // MARK: Statements

    /// Prepares a new statement, not cached.
    ///
    /// - Throws: `DatabaseError` when the SQL does not compile, or, on a read-only
    ///   connection, when it would write (`sqlite3_stmt_readonly`) or the authorizer refuses it.
    package func makeStatement(sql: String) throws(DatabaseError) -> Statement {
        let statement = try Statement(database: self, sql: sql, persistent: false)
        try checkReadOnly(statement)
        return statement
    }

    private func checkReadOnly(_ statement: Statement) throws(DatabaseError) {
        guard mode == .readOnly, !statement.isReadOnly, authorizer?.sawReadOnlyPragma != true else { return }
        throw DatabaseError(
            code: .authorization,
            message: "query rejected: the statement writes to the database and the query connection is read-only",
            sql: statement.sql, operation: "prepare")
    }

    /// The statement for `sql`, prepared once and reused; reset and cleared on each bind.
    package func cachedStatement(sql: String) throws(DatabaseError) -> Statement {
        if let statement = statementCache[sql] { return statement }
        let statement = try Statement(database: self, sql: sql, persistent: true)
        try checkReadOnly(statement)
        statementCache[sql] = statement
        return statement
    }

    /// Runs SQL that may hold several statements and returns no rows (schema, pragmas).
    package func execute(sql: String) throws(DatabaseError) {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        if let error { sqlite3_free(error) }
        guard code == SQLITE_OK else { throw lastError(operation: "execute", sql: sql, code: code) }
    }

    /// Runs one statement with arguments through the statement cache.
    ///
    /// - Returns: the number of rows changed.
    @discardableResult
    package func execute(sql: String, arguments: [DatabaseValue]) throws(DatabaseError) -> Int {
        try cachedStatement(sql: sql).execute(arguments)
    }

    /// The first column of the first row, as text; nil when there is no row or it is NULL.
    package func singleText(sql: String, arguments: [DatabaseValue] = []) throws(DatabaseError) -> String? {
        let statement = try makeStatement(sql: sql)
        try statement.bind(arguments)
        return try statement.step() ? statement.text(at: 0) : nil
    }

    /// The first column of the first row, as an integer; nil when there is no row or it is NULL.
    package func singleInteger(sql: String, arguments: [DatabaseValue] = []) throws(DatabaseError) -> Int64? {
        let statement = try makeStatement(sql: sql)
        try statement.bind(arguments)
        guard try statement.step(), !statement.isNull(at: 0) else { return nil }
        return statement.integer(at: 0)
    }

    // MARK: Transactions

    /// How a transaction closure ends.
    package enum Completion: Sendable {
        case commit
        case rollback
    }

    /// The kind of `BEGIN`.
    package enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        /// Takes the write lock at once: the writer's batches and migrations.
        case immediate = "IMMEDIATE"
    }

    /// Runs `body` in a transaction that commits or rolls back as it returns; a throw rolls
    /// back and is rethrown (the first error wins over a failing rollback).
    package func inTransaction(
        _ kind: TransactionKind = .immediate, _ body: () throws -> Completion
    ) throws {
        try execute(sql: "BEGIN \(kind.rawValue) TRANSACTION")
        let completion: Completion
        do {
            completion = try body()
        } catch {
            try? execute(sql: "ROLLBACK TRANSACTION")
            throw error
        }
        switch completion {
        case .commit:
            do {
                try execute(sql: "COMMIT TRANSACTION")
            } catch {
                // A failed COMMIT (disk full, I/O) may leave the transaction open; close it so
                // the batch is all or nothing.
                if sqlite3_get_autocommit(handle) == 0 { try? execute(sql: "ROLLBACK TRANSACTION") }
                throw error
            }
        case .rollback:
            try execute(sql: "ROLLBACK TRANSACTION")
        }
    }

    /// Runs `body` inside one deferred transaction that only reads, so every statement in it
    /// sees the same snapshot (in WAL mode a writer may commit meanwhile without changing
    /// what `body` reads); a throw ends the transaction and is rethrown.
    ///
    /// On a read-only connection the authorizer refuses `BEGIN`/`COMMIT` from users (`query`
    /// runs single statements); it lets these two through.
    package func inReadTransaction<T>(_ body: () throws -> T) throws -> T {
        try executeTransactionControl("BEGIN DEFERRED TRANSACTION")
        let result: T
        do {
            result = try body()
        } catch {
            try? executeTransactionControl("ROLLBACK TRANSACTION")
            throw error
        }
        try executeTransactionControl("COMMIT TRANSACTION")
        return result
    }

    private func executeTransactionControl(_ sql: String) throws(DatabaseError) {
        authorizer?.allowsTransactionControl = true
        defer { authorizer?.allowsTransactionControl = false }
        try execute(sql: sql)
    }

    /// True while a transaction is open.
    package var isInsideTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Rows changed by the last statement.
    package var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last insert.
    package var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}
