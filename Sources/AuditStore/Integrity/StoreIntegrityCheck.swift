import Runtime
/// What one integrity check of the store found.
package struct StoreIntegrityReport: Sendable, Equatable, CustomStringConvertible {
    /// What `PRAGMA quick_check` said other than `ok` (the first few lines), or the error it
    /// stopped with; empty when the pages are sound or the check was not run.
    package var pageProblems: [String] = []
    /// False when `quick_check` ran and was stopped at its time limit (not a finding).
    package var isPageCheckComplete = true
    /// True when `quick_check` ran this time.
    package var didCheckPages = false
    /// False when the chain check stopped at its time budget with rows left (not a finding:
    /// the next check goes on from there).
    package var isChainCheckComplete = true
    /// The first break of the store's own ledger chain, from the last verified row on.
    package var chainBreak: ChainBreak?
    /// Rows of the chain verified by this check.
    package var rowsVerified = 0
    /// The last verified row after this check.
    package var lastVerified: LedgerCheckpoint?

    package init() {}

    /// True when the pages or the chain are bad.
    package var isCorrupt: Bool { !pageProblems.isEmpty || chainBreak != nil }

    package var description: String {
        var parts: [String] = []
        if !pageProblems.isEmpty { parts.append("pages: " + pageProblems.joined(separator: "; ")) }
        if let chainBreak { parts.append("ledger chain broken at \(chainBreak)") }
        if parts.isEmpty {
            let pages = didCheckPages ? (isPageCheckComplete ? "pages ok" : "page check stopped at its time limit") : "pages not checked"
            let chain = isChainCheckComplete ? "" : " (more left for the next check)"
            parts.append("\(pages), \(rowsVerified) new ledger row(s) verified\(chain)")
        }
        return parts.joined(separator: "; ")
    }
}

/// Checks the store on a connection of its own: `PRAGMA quick_check` under a time limit,
/// and the ledger's hash chain from the last verified row on, in chunks, persisting the
/// new last verified row (`ledger_verification`) after each intact chunk.
///
/// The checkpoint only shortens the work: the row it names is re-read each time, so a
/// verified row that is later changed or removed is still found. It is no defence against
/// someone who rewrites the chain, its hashes and the checkpoint together; nothing inside
/// one file can be.
///
/// Owned by one thread at a time (the daemon's main thread for the start check, then the
/// monitor's thread); not `Sendable`, like its `Database`.
package final class StoreIntegrityCheck {
    /// Time and chunk bounds.
    package struct Limits: Sendable {
        /// `quick_check` is stopped after this long (it reads every page: on a large store
        /// on a slow disk it can take minutes, and a start must not hang on it).
        package var quickCheckNanoseconds: UInt64 = 10_000_000_000
        /// Rows verified per read: each chunk is one short read, so the writer's checkpoints
        /// are never held back for long.
        package var chainChunkRows = 5_000
        /// `quick_check` lines kept in a report.
        package var maxProblemsKept = 5
        /// How long a check at start spends on the chain: the first start on a large ledger
        /// would otherwise verify every row before the daemon is ready. What is left is
        /// verified by the monitor's thread.
        package var startChainNanoseconds: UInt64 = 10_000_000_000

        package init() {}
    }

    package let limits: Limits
    private let database: Database

    /// Opens its own connection to the store (which must already be migrated).
    ///
    /// - Throws: `DatabaseError` when the file cannot be opened (a store too damaged to open
    ///   is reported by the caller as such).
    package init(path: String, limits: Limits = Limits()) throws(DatabaseError) {
        self.limits = limits
        database = try Database(path: path, mode: .writer)
    }

    /// Closes the connection. Idempotent.
    package func close() { database.close() }

    /// Runs the checks.
    ///
    /// - Parameters:
    ///   - checkPages: run `quick_check` too (at start, and now and then).
    ///   - chainBudgetNanoseconds: stop verifying the chain after this long (between two
    ///     chunks); nil to verify to the end.
    /// - Returns: the findings; a store error met while checking (SQLITE_CORRUPT and the
    ///   like) is a finding, not a throw.
    package func check(
        pages checkPages: Bool, chainBudgetNanoseconds: UInt64? = nil, now: Int64 = WallClock.milliseconds()
    ) -> StoreIntegrityReport {
        var report = StoreIntegrityReport()
        if checkPages {
            report.didCheckPages = true
            checkPagesBounded(into: &report)
        }
        let chainDeadline = chainBudgetNanoseconds.map { ContinuousClock.now + .nanoseconds(Int64(clamping: $0)) }
        verifyChain(into: &report, until: chainDeadline, now: now)
        return report
    }

    private func checkPagesBounded(into report: inout StoreIntegrityReport) {
        database.limitStatementTime(toNanoseconds: limits.quickCheckNanoseconds)
        defer { database.removeStatementTimeLimit() }
        do throws(DatabaseError) {
            let statement = try database.makeStatement(sql: Schema.quickCheck)
            while try statement.step() {
                let line = statement.text(at: 0) ?? ""
                guard line != "ok" else { continue }
                if report.pageProblems.count < limits.maxProblemsKept { report.pageProblems.append(line) }
            }
        } catch let error where error.code == .interrupted {
            report.isPageCheckComplete = false
        } catch {
            report.pageProblems.append("quick_check failed: \(error.message)")
        }
    }

    private func verifyChain(into report: inout StoreIntegrityReport, until deadline: ContinuousClock.Instant?, now: Int64) {
        do throws(DatabaseError) {
            var checkpoint = try storedCheckpoint()
            if let checkpoint, let found = try LedgerVerification.checkpointBreak(checkpoint, in: database) {
                report.chainBreak = found
                report.lastVerified = checkpoint
                return
            }
            while true {
                let chunk = try LedgerVerification.verifyStore(database, after: checkpoint, maxRows: limits.chainChunkRows)
                if let found = chunk.firstBreak {
                    // The checkpoint stays before the break, so each later check finds it again.
                    report.chainBreak = found
                    break
                }
                report.rowsVerified += chunk.entries
                guard chunk.entries > 0, let reached = chunk.lastRow else { break }
                try database.execute(
                    sql: Schema.upsertLedgerCheckpoint,
                    arguments: [.integer(reached.seq), .text(reached.hash), .integer(Int64(reached.position)), .integer(now)])
                checkpoint = reached
                if chunk.entries < limits.chainChunkRows { break }
                if let deadline, ContinuousClock.now >= deadline {
                    report.isChainCheckComplete = false
                    break
                }
            }
            report.lastVerified = checkpoint
        } catch {
            report.pageProblems.append("reading the ledger failed: \(error.message)")
        }
    }

    private func storedCheckpoint() throws(DatabaseError) -> LedgerCheckpoint? {
        let statement = try database.makeStatement(sql: Schema.selectLedgerCheckpoint)
        guard try statement.step() else { return nil }
        return LedgerCheckpoint(
            seq: statement.integer(at: 0), hash: statement.text(at: 1) ?? "",
            position: Int(clamping: statement.integer(at: 2)))
    }
}

/// The store failed its integrity check at start: what was found, on which file.
package struct StoreCorruptionError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var report: StoreIntegrityReport

    package init(path: String, report: StoreIntegrityReport) {
        self.path = path
        self.report = report
    }

    package var description: String {
        "the audit store \(path) is corrupt: \(report). Keep the file for inspection (`verify --db` names broken rows; "
            + "`sqlite3 \(path) .recover` salvages pages) and start on a new store."
    }
}
