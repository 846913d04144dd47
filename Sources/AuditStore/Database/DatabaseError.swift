import CSQLite

/// A SQLite result code, primary or extended (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, …).
///
/// Match a primary code against an extended one with `~=`: `case .busy` also catches
/// `SQLITE_BUSY_SNAPSHOT`, as GRDB's `ResultCode` does.
package struct ResultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    package var rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (the low byte of an extended code).
    package var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    package static let ok = ResultCode(rawValue: SQLITE_OK)
    package static let error = ResultCode(rawValue: SQLITE_ERROR)
    package static let permission = ResultCode(rawValue: SQLITE_PERM)
    package static let busy = ResultCode(rawValue: SQLITE_BUSY)
    package static let locked = ResultCode(rawValue: SQLITE_LOCKED)
    package static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
    package static let ioError = ResultCode(rawValue: SQLITE_IOERR)
    package static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
    package static let full = ResultCode(rawValue: SQLITE_FULL)
    package static let cannotOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
    package static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    package static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    package static let authorization = ResultCode(rawValue: SQLITE_AUTH)
    package static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)
    package static let interrupted = ResultCode(rawValue: SQLITE_INTERRUPT)
    package static let tooBig = ResultCode(rawValue: SQLITE_TOOBIG)
    package static let noMemory = ResultCode(rawValue: SQLITE_NOMEM)

    /// True when `value` is this code, or this is a primary code and `value` one of its
    /// extended codes.
    package static func ~= (pattern: ResultCode, value: ResultCode) -> Bool {
        if pattern.rawValue == value.rawValue { return true }
        return pattern.rawValue == pattern.primary.rawValue && pattern.rawValue == value.primary.rawValue
    }

    package var description: String {
        "\(rawValue) (\(String(cString: sqlite3_errstr(rawValue))))"
    }
}

/// A failed SQLite operation: what we tried, on which SQL, and SQLite's code and message.
///
/// Bound arguments are never part of the text: they may carry conversation content.
package struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The extended result code.
    package var code: ResultCode
    /// `sqlite3_errmsg` or our own explanation.
    package var message: String
    /// The SQL that failed, when there is one.
    package var sql: String?
    /// The operation that failed (`open`, `prepare`, `step`, `migrate`, …).
    package var operation: String

    package init(code: ResultCode, message: String, sql: String? = nil, operation: String) {
        self.code = code
        self.message = message
        self.sql = sql
        self.operation = operation
    }

    package var description: String {
        var text = "SQLite \(operation) failed: \(message) (code \(code))"
        if let sql { text += " in `\(sql)`" }
        return text
    }

    /// True for the codes a retry can cure: busy, locked, disk full, I/O error.
    package var isTransient: Bool {
        switch code {
        case .busy, .locked, .full, .ioError: true
        default: false
        }
    }
}
