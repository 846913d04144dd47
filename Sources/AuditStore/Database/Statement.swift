import CSQLite

/// A prepared SQLite statement: bind by 1-based index, step, read columns, reset.
///
/// Owned by the `Database` that prepared it and used only on that database's thread; not
/// `Sendable` (as GRDB's `Statement`). Finalized in `deinit`.
package final class Statement {
    /// The SQL text as prepared.
    package let sql: String
    let handle: OpaquePointer
    private unowned let database: Database
    /// The number of `?` parameters the SQL declares.
    package let parameterCount: Int32

    init(database: Database, sql: String, persistent: Bool) throws(DatabaseError) {
        self.database = database
        self.sql = sql
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        database.authorizer?.willPrepare()
        let code = sql.withCString { text in
            sqlite3_prepare_v3(database.handle, text, -1, flags, &statement, &tail)
        }
        guard code == SQLITE_OK, let statement else {
            throw database.lastError(operation: "prepare", sql: sql, code: code)
        }
        if let tail, tail.pointee != 0, !String(cString: tail).allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            sqlite3_finalize(statement)
            throw DatabaseError(
                code: .misuse, message: "only one statement may be prepared at a time",
                sql: sql, operation: "prepare")
        }
        self.handle = statement
        self.parameterCount = sqlite3_bind_parameter_count(statement)
    }

    deinit { sqlite3_finalize(handle) }

    /// True when SQLite says the statement does not write to the database file.
    package var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    /// The number of result columns.
    package var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of result column `index` (0-based).
    package func columnName(_ index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    // MARK: Binding

    /// Resets the statement and clears its bindings, ready for new arguments.
    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds `values` to parameters 1…n after a reset.
    ///
    /// - Throws: `DatabaseError` (`.misuse`) when the count differs from the SQL's parameters.
    package func bind(_ values: [DatabaseValue]) throws(DatabaseError) {
        reset()
        guard values.count == Int(parameterCount) else {
            throw DatabaseError(
                code: .misuse,
                message: "statement takes \(parameterCount) arguments, \(values.count) given",
                sql: sql, operation: "bind")
        }
        for (offset, value) in values.enumerated() { bind(value, at: Int32(offset + 1)) }
    }

    /// Binds one value at a 1-based index. A failed bind is our bug, so it traps.
    package func bind(_ value: DatabaseValue, at index: Int32) {
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(handle, index)
        case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
        case .real(let number): code = sqlite3_bind_double(handle, index, number)
        case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, csqlite_transient())
        case .blob(let bytes):
            code = bytes.withUnsafeBytes { buffer in
                sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), csqlite_transient())
            }
        }
        precondition(code == SQLITE_OK, "sqlite3_bind failed with \(code) for `\(sql)` at \(index)")
    }

    // MARK: Stepping

    /// Steps once.
    ///
    /// - Returns: true when a row is available, false when the statement is done.
    /// - Throws: `DatabaseError` with `sqlite3_errmsg` and the SQL on any other result.
    package func step() throws(DatabaseError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.lastError(operation: "step", sql: sql, code: code)
            sqlite3_reset(handle)
            database.statementDidFail(self)
            throw error
        }
    }

    /// Binds `arguments`, steps to the end, and resets.
    ///
    /// - Returns: the number of rows changed (`sqlite3_changes`).
    @discardableResult
    package func execute(_ arguments: [DatabaseValue] = []) throws(DatabaseError) -> Int {
        try bind(arguments)
        while try step() {}
        let changes = Int(sqlite3_changes(database.handle))
        sqlite3_reset(handle)
        return changes
    }

    // MARK: Columns of the current row

    /// The value of column `index` in the current row.
    package func value(at index: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .text(text(at: index) ?? "")
        }
    }

    /// Column `index` as text, nil when NULL.
    package func text(at index: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` as an integer (0 when NULL).
    package func integer(at index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// True when column `index` is NULL.
    package func isNull(at index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }
}

/// A value SQLite stores: the five storage classes.
package enum DatabaseValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// A text value, or NULL for nil.
    package static func optional(_ text: String?) -> DatabaseValue { text.map(DatabaseValue.text) ?? .null }
}

extension Statement {
    /// Resets without clearing bindings or reporting the last step's error (already thrown).
    func sqlite3ResetQuietly() { sqlite3_reset(handle) }
}
