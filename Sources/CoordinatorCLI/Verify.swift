import ArgumentParser
import AuditStore

extension MosesCoordinator {
    /// `moses-coordinator verify`: check a JSONL ledger's or the store's hash chain.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain of a JSONL ledger or of the audit store.",
            discussion: """
                FILE may be a MO§ES audit_ledger.jsonl (genesis lines included) or an export; \
                each line's hash is recomputed canonically and linked to the line before. \
                With no FILE, the store's own ledger table is checked, which must start from the \
                genesis value; the store is --db, else --config's store.path, else the default \
                configuration's (MOSES_COORDINATOR_CONFIG, else /etc/moses-coordinator/coordinator.yaml) \
                when it exists, else /var/lib/moses-coordinator/audit.db.
                The first broken line (or row, with its seq) is printed with its number and reason.
                A filtered export starts with a "derived_export" line; it is reported as derived \
                from store X at head H (the store's last row when exported, which `verify --db` of \
                that store vouches for), and one exported with --force from a broken store is broken.
                FILE with --db checks that the file is what the store holds, line by line: an \
                unfiltered export must be the store's rows as stored, a derived one the rows its \
                filter selects up to the head it names; a sound chain of forged lines fails here.

                Exit status: 0 when the whole chain holds, 2 when it is broken, 1 when the file or \
                database cannot be read, 64 on bad usage.

                Examples:
                  moses-coordinator verify ~/.openclaw/audits/moses/audit_ledger.jsonl
                  moses-coordinator verify --db /var/lib/moses-coordinator/audit.db
                  moses-coordinator verify sequence.jsonl --db /var/lib/moses-coordinator/audit.db
                """
        )

        /// The exit status of a broken chain: a finding, not a failure to check.
        static let brokenChain = ExitCode(2)

        @Argument(help: ArgumentHelp("A JSONL ledger to check.", valueName: "file"), completion: .file())
        var file: String?

        @Option(help: ArgumentHelp("Check this audit store's ledger; with a FILE, check that the file is what it holds.", valueName: "path"), completion: .file())
        var db: String?

        @Option(help: ArgumentHelp("The configuration whose store.path names the store (as --db).", valueName: "file"))
        var config: String?

        func run() throws {
            let result: LedgerVerification
            if let file {
                // A FILE alone is checked on its own; --db or --config adds the store.
                let store = db == nil && config == nil ? nil
                    : try AuditDatabase.openReader(path: StoreLocation.resolve(db: db, config: config, command: "verify"))
                result = try LedgerVerification.verifyFile(at: file, against: store)
            } else {
                let path = try StoreLocation.resolve(db: db, config: config, command: "verify")
                result = try LedgerVerification.verifyStore(try AuditDatabase.openReader(path: path))
            }
            print(result.description)
            if !result.isIntact { throw Self.brokenChain }
        }
    }
}
