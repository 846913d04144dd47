import CSQLite

/// The monotonic deadline a connection's statements run under, read by SQLite's progress
/// handler.
///
/// Owned by its `Database` and used on that database's thread only (the progress handler
/// runs inside `sqlite3_step` on that thread). SQLite holds an unretained pointer to it: the
/// `Database` keeps it alive while the connection is open.
final class StatementDeadline {
    /// When the running statement is interrupted.
    var deadline: ContinuousClock.Instant
    /// The limit as given, for the error text.
    let limitNanoseconds: UInt64
    /// Set when the handler interrupted a statement.
    var didExpire = false

    init(limitNanoseconds: UInt64) {
        self.limitNanoseconds = limitNanoseconds
        deadline = ContinuousClock.now + .nanoseconds(Int64(clamping: limitNanoseconds))
    }

    /// The limit in seconds, as `--timeout` takes it.
    var limitDescription: String {
        let tenths = limitNanoseconds / 100_000_000
        return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(tenths / 10).\(tenths % 10) s"
    }
}

/// The progress handler: a plain global function, context through the user pointer (an
/// unretained `StatementDeadline`; see that type for who keeps it alive). Non-zero makes
/// SQLite stop the statement with SQLITE_INTERRUPT.
private func statementDeadlineProgress(_ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return 0 }
    let deadline = Unmanaged<StatementDeadline>.fromOpaque(context).takeUnretainedValue()
    guard ContinuousClock.now >= deadline.deadline else { return 0 }
    deadline.didExpire = true
    return 1
}

extension Database {
    /// SQLite virtual-machine steps between two looks at the clock: about a few microseconds
    /// of work, so an expired deadline is noticed within milliseconds while the clock read
    /// (tens of nanoseconds) stays out of the profile.
    static let progressInterval: Int32 = 1_000

    /// Stops any statement still running `nanoseconds` from now, preparation included: its
    /// `step` throws a `DatabaseError` with code `.interrupted` saying the limit was reached.
    /// A long read also holds back WAL checkpoints, so the limit bounds that too.
    package func limitStatementTime(toNanoseconds nanoseconds: UInt64) {
        let deadline = StatementDeadline(limitNanoseconds: nanoseconds)
        statementDeadline = deadline
        sqlite3_progress_handler(
            handle, Self.progressInterval, statementDeadlineProgress, Unmanaged.passUnretained(deadline).toOpaque())
    }

    /// Lifts the limit `limitStatementTime` set.
    package func removeStatementTimeLimit() {
        sqlite3_progress_handler(handle, 0, nil, nil)
        statementDeadline = nil
    }

    /// Caps the length of any string or blob the connection makes or reads
    /// (`SQLITE_LIMIT_LENGTH`): a statement that would build a bigger one fails at once with
    /// "string or blob too big" instead of allocating it.
    package func limitValueLength(toBytes bytes: Int32) {
        sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, bytes)
    }

    /// Caps the memory SQLite may allocate in this whole process
    /// (`sqlite3_hard_heap_limit64`): past it allocations fail and the statement ends with
    /// SQLITE_NOMEM. Process-wide, so only a command that runs user SQL sets it.
    package static func limitHeap(toBytes bytes: Int64) {
        _ = sqlite3_hard_heap_limit64(bytes)
    }

    /// Turns on SQLite's defensive mode (no writes to the schema or shadow tables, no
    /// `writable_schema`, even through SQL that slips past the authorizer) and turns off the
    /// FTS3 tokenizer interface, whose one-argument `fts3_tokenizer()` returns a pointer.
    func hardenAgainstHostileSQL() throws(DatabaseError) {
        for (option, value, name) in [
            (SQLITE_DBCONFIG_DEFENSIVE, Int32(1), "DEFENSIVE"),
            (SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, Int32(0), "ENABLE_FTS3_TOKENIZER"),
            (SQLITE_DBCONFIG_TRUSTED_SCHEMA, Int32(0), "TRUSTED_SCHEMA"),
        ] {
            var now: Int32 = -1
            let code = csqlite_db_config_int(handle, option, value, &now)
            guard code == SQLITE_OK, now == value else {
                throw DatabaseError(
                    code: ResultCode(rawValue: code), message: "could not set SQLITE_DBCONFIG_\(name) to \(value)",
                    operation: "open")
            }
        }
    }
}
