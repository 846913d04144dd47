import CSQLite

/// The authorizer of a read-only connection: allows reading and read-only introspection,
/// denies writes, schema changes, ATTACH, PRAGMA changes, `load_extension` and
/// `fts3_tokenizer`, and keeps
/// the reason of the last denial so the error can say what was refused.
///
/// Owned by its `Database` and used on that database's thread only. SQLite holds an
/// unretained pointer to it (`Unmanaged.passUnretained`): the `Database` keeps it alive
/// for as long as the connection is open.
final class ReadOnlyAuthorizer {
    private var denial: String?
    /// True when the statement being prepared was authorized as a read-only PRAGMA, which
    /// `sqlite3_stmt_readonly` reports as writing (it cannot tell a read of
    /// `journal_mode` from a change).
    private(set) var sawReadOnlyPragma = false
    /// Set by `Database.inReadTransaction` around its own `BEGIN`/`COMMIT`, which the user's
    /// SQL may not issue.
    var allowsTransactionControl = false

    /// Clears the per-statement state before a prepare.
    func willPrepare() {
        denial = nil
        sawReadOnlyPragma = false
    }

    func install(on connection: OpaquePointer) {
        sqlite3_set_authorizer(connection, readOnlyAuthorize, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The last denial's reason, cleared.
    func takeDenial() -> String? {
        defer { denial = nil }
        return denial
    }

    /// Pragmas that only read, with or without an argument (the argument names a table or
    /// index, it does not set anything).
    static let introspectionPragmas: Set<String> = [
        "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "database_list", "compile_options", "function_list", "pragma_list", "collation_list",
        "module_list", "table_list", "integrity_check", "quick_check", "foreign_key_check",
    ]

    /// Pragmas that read a setting when given no argument and change it when given one.
    static let settingPragmas: Set<String> = [
        "user_version", "schema_version", "application_id", "page_count", "page_size", "freelist_count",
        "encoding", "journal_mode", "data_version", "query_only", "synchronous", "foreign_keys",
        "busy_timeout", "cache_size", "max_page_count",
    ]

    func authorize(action: Int32, first: String?, second: String?) -> Int32 {
        switch action {
        case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_TRANSACTION where allowsTransactionControl:
            return SQLITE_OK
        case SQLITE_FUNCTION:
            if second?.lowercased() == "load_extension" {
                return deny("load_extension() is not allowed: extension loading is disabled on the read-only query connection")
            }
            if second?.lowercased() == "fts3_tokenizer" {
                // With one argument it returns the tokenizer's address: a pointer leak.
                return deny("fts3_tokenizer() is not allowed: it exposes memory addresses")
            }
            return SQLITE_OK
        case SQLITE_PRAGMA:
            let name = (first ?? "").lowercased()
            if Self.introspectionPragmas.contains(name) || (Self.settingPragmas.contains(name) && second == nil) {
                sawReadOnlyPragma = true
                return SQLITE_OK
            }
            return deny("PRAGMA \(name)\(second == nil ? "" : "=…") is not allowed: the query connection may not change settings")
        case SQLITE_ATTACH, SQLITE_DETACH:
            return deny("ATTACH/DETACH is not allowed: the query connection reads only this database")
        case SQLITE_UPDATE where first == "sqlite_master":
            // Table-valued pragma functions (`pragma_table_info('violations')`) register an
            // eponymous virtual table, and SQLite asks for this while preparing them. A real
            // `UPDATE sqlite_master` is still refused: `Database.makeStatement` rejects any
            // statement `sqlite3_stmt_readonly` says writes, and the file is opened read-only.
            return SQLITE_OK
        case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE:
            return deny("\(Self.actionName(action)) is not allowed: the query connection is read-only (\(first ?? ""))")
        default:
            return deny("\(Self.actionName(action)) is not allowed: the query connection runs SELECT statements only")
        }
    }

    private func deny(_ reason: String) -> Int32 {
        if denial == nil { denial = "query rejected: " + reason }
        return SQLITE_DENY
    }

    static func actionName(_ action: Int32) -> String {
        switch action {
        case SQLITE_INSERT: "INSERT"
        case SQLITE_UPDATE: "UPDATE"
        case SQLITE_DELETE: "DELETE"
        case SQLITE_CREATE_INDEX, SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_TABLE,
             SQLITE_CREATE_TEMP_TRIGGER, SQLITE_CREATE_TEMP_VIEW, SQLITE_CREATE_TRIGGER, SQLITE_CREATE_VIEW,
             SQLITE_CREATE_VTABLE:
            "CREATE"
        case SQLITE_DROP_INDEX, SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_TABLE,
             SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_TEMP_VIEW, SQLITE_DROP_TRIGGER, SQLITE_DROP_VIEW,
             SQLITE_DROP_VTABLE:
            "DROP"
        case SQLITE_ALTER_TABLE: "ALTER TABLE"
        case SQLITE_TRANSACTION: "BEGIN/COMMIT"
        case SQLITE_SAVEPOINT: "SAVEPOINT"
        case SQLITE_REINDEX: "REINDEX"
        case SQLITE_ANALYZE: "ANALYZE"
        default: "SQL action \(action)"
        }
    }
}

/// The C authorizer callback: a plain global function, context through the user pointer.
///
/// The pointer is an unretained `ReadOnlyAuthorizer`; see that type for who keeps it alive.
private func readOnlyAuthorize(
    _ context: UnsafeMutableRawPointer?, _ action: Int32,
    _ first: UnsafePointer<CChar>?, _ second: UnsafePointer<CChar>?,
    _ database: UnsafePointer<CChar>?, _ trigger: UnsafePointer<CChar>?
) -> Int32 {
    guard let context else { return SQLITE_DENY }
    let authorizer = Unmanaged<ReadOnlyAuthorizer>.fromOpaque(context).takeUnretainedValue()
    return authorizer.authorize(
        action: action, first: first.map { String(cString: $0) }, second: second.map { String(cString: $0) })
}
