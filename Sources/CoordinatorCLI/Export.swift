#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AuditStore
import Governance
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator export`: the store's ledger as verifiable MO§ES JSONL.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the audit store's ledger as MO§ES-compatible JSONL.",
            discussion: """
                Each line is an audit record (timestamp, agent, component, action, detail, outcome, \
                mode, posture, role, session_hash, previous_hash, hash) chained with the MO§ES \
                canonical SHA-256, so `audit_stub.py verify` and `moses-coordinator verify` accept \
                the file. The store's own chain is checked first; when it is broken (a row was \
                altered or removed) nothing is written and the first broken row is named, unless \
                --force. With no filter the lines are the stored chain exactly as stored, hashes \
                included, never recomputed. With a filter the selection is a new chain: its first \
                line (event "derived_export") names the source store, the store's head hash and the \
                filter, and the rows chain from it; `verify` reports the file as derived. Streams \
                in constant memory.

                Times (--since, inclusive; --until, exclusive) are ISO-8601 \
                (2026-11-24T16:00:00Z, 2026-11-24T16:00:00.123+00:00) or ms since the epoch.

                Exit status: 0 on success, 2 when the store's chain is broken and --force was not \
                given (nothing written), 1 when the database or the output cannot be opened or \
                written, 64 on bad usage.

                Example:
                  moses-coordinator export --since 2026-11-24T00:00:00Z --rule sequence \\
                    --output sequence.jsonl
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Only records at or after this time.", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("Only records before this time.", valueName: "time"))
        var until: String?

        @Option(help: ArgumentHelp("Only this conversation (the session key after agent:<id>:).", valueName: "key"))
        var conversation: String?

        @Option(help: ArgumentHelp(
            "Only this rule: \(RuleID.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "rule"),
            completion: .list(RuleID.allCases.map(\.rawValue)))
        var rule: String?

        @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file"), completion: .file())
        var output: String?

        @Flag(help: "Export even when the store's chain is broken: rows are written as stored, so the file fails `verify` at the broken row.")
        var force = false

        /// The exit status of a refused export: the store's chain is broken (as `verify`'s).
        static let brokenChain = ExitCode(2)

        func validate() throws {
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, Self.milliseconds(from: value) == nil {
                    throw ValidationError("\(name) \(value): give an ISO-8601 time (2026-11-24T16:00:00Z) or ms since the epoch.")
                }
            }
            if let rule, RuleID(rawValue: rule) == nil {
                throw ValidationError("--rule \(rule): give one of \(RuleID.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
        }

        func run() throws {
            let filter = LedgerExportFilter(
                since: since.flatMap(Self.milliseconds(from:)), until: until.flatMap(Self.milliseconds(from:)),
                conversation: conversation, rule: rule.flatMap(RuleID.init(rawValue:)))
            let storePath = try store.path(command: "export")
            let database = try AuditDatabase.openReader(path: storePath)
            // Opened at the first line, so a refused export leaves an existing file untouched.
            var file: OutputFile?
            let outcome = try LedgerExport.export(
                from: database, filter: filter, sourceName: Self.absolutePath(storePath), force: force
            ) { line in
                if file == nil { file = try OutputFile(path: output) }
                file!.write(line)
                file!.write("\n")
                try file!.checkForError()
            }
            switch outcome {
            case .refused(let check):
                StandardError.write("export refused: the store's chain is broken at \(check.firstBreak!) (\(check.breakCount) break(s) in \(check.entries) rows); nothing written. `verify --db` shows it; --force exports the rows as stored.")
                throw Self.brokenChain
            case .written(_, let check):
                try (file ?? OutputFile(path: output)).finish()
                if let found = check.firstBreak {
                    StandardError.write("export forced: the store's chain is broken at \(found); the file fails `verify` there.")
                }
            }
        }

        /// `path` made absolute (symbolic links resolved) for a derived export's header; as
        /// given when it cannot be resolved.
        static func absolutePath(_ path: String) -> String {
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return String(cString: resolved)
        }

        /// Integer ms, or an ISO-8601 time.
        static func milliseconds(from text: String) -> Int64? {
            if let number = Int64(text) { return number }
            return LedgerTimestamp.milliseconds(from: text)
        }
    }
}

/// Standard output or a file, written through stdio's buffer; errors are checked with
/// `checkForError()` and at `finish()`.
///
/// Owned by one command on the main thread.
final class OutputFile {
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private let isStandardOutput: Bool

    /// Opens `path` for writing (truncating), or standard output for nil.
    init(path: String?) throws {
        if let path {
            guard let file = fopen(path, "we") else { throw OutputError(operation: "open", path: path, code: errno) }
            self.file = file
            self.path = path
            isStandardOutput = false
        } else {
            // A FILE of our own on descriptor 1: the C `stdout` global is shared mutable state
            // Swift 6 will not touch. Nothing else writes to standard output in these commands.
            let path = "standard output"
            guard let file = fdopen(STDOUT_FILENO, "w") else { throw OutputError(operation: "open", path: path, code: errno) }
            self.file = file
            self.path = path
            isStandardOutput = true
        }
    }

    func write(_ text: String) { fputs(text, file) }

    /// Throws when an earlier write failed (disk full, closed pipe).
    func checkForError() throws {
        if ferror(file) != 0 { throw OutputError(operation: "write", path: path, code: errno) }
    }

    /// Flushes and closes (the file), reporting any write error.
    func finish() throws {
        try checkForError()
        if fflush(file) != 0 { throw OutputError(operation: "write", path: path, code: errno) }
        if !isStandardOutput, fclose(file) != 0 { throw OutputError(operation: "close", path: path, code: errno) }
    }
}

/// Writing a command's output failed.
struct OutputError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32

    var description: String { "cannot \(operation) \(FileProblem(path: path, code: code))" }
}
