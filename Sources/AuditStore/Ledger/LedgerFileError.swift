#if canImport(Glibc)
import Glibc
#endif
import WireFormats

/// A failed operation on a JSONL ledger file (the MO§ES `audit_ledger.jsonl` or an export):
/// what we tried, on which file, and `errno`.
package struct LedgerFileError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    package enum Kind: Sendable, Equatable {
        /// A system call failed with `errno`.
        case system(operation: String, errno: Int32)
        /// The last line of the ledger is not a record we can chain to; nothing was appended.
        case lastLineMalformed(line: String)
    }

    package var kind: Kind
    package var path: String

    package init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// The error of a failed system call, reading `errno` now.
    static func system(_ operation: String, path: String) -> LedgerFileError {
        LedgerFileError(.system(operation: operation, errno: errno), path: path)
    }

    package var description: String {
        switch kind {
        case .system(let operation, let code):
            "cannot \(operation) \(FileProblem(path: path, code: code))"
        case .lastLineMalformed(let line):
            "the last line of \(path) is not a MO§ES ledger record (\(line)); not appending, so as not to chain to it"
        }
    }
}
