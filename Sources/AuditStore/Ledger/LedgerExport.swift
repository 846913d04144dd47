import Governance
import WireFormats

/// Which part of the store's ledger an export holds. Every bound is optional.
package struct LedgerExportFilter: Sendable, Equatable {
    /// Rows at or after this time (ms).
    package var since: Int64?
    /// Rows before this time (ms).
    package var until: Int64?
    package var conversation: String?
    package var rule: RuleID?

    package init(since: Int64? = nil, until: Int64? = nil, conversation: String? = nil, rule: RuleID? = nil) {
        self.since = since
        self.until = until
        self.conversation = conversation
        self.rule = rule
    }
}

/// What an export did.
package enum LedgerExportOutcome: Sendable, Equatable {
    /// The lines were written. `sourceCheck` is the check of the store's chain made first:
    /// intact, or broken and written anyway because the export was forced.
    case written(lines: Int, sourceCheck: LedgerVerification)
    /// Nothing was written: the store's chain does not verify (its first break is in the
    /// result) and the export was not forced.
    case refused(LedgerVerification)
}

/// Streams the store's ledger out as MO§ES-compatible JSONL, in constant memory.
///
/// First the store's own chain is checked, row by row; a broken chain is refused unless the
/// export is forced, so an altered row never comes out looking intact. Then, in the same
/// read transaction (one snapshot, so a writer appending meanwhile changes neither pass):
/// - with no filter, each row is written exactly as stored, its stored `previous_hash` and
///   `hash` included, never recomputed: the file is the stored chain, and `verify` of it
///   fails where the store's chain fails;
/// - with a filter, the selection is a new chain: a `DerivedExportHeader` line naming the
///   source store, its head hash and the filter, then the selected rows chained from the
///   header's hash with the family's canonical SHA-256.
///
/// Runs on the caller's thread with the caller's connection.
package enum LedgerExport {
    /// One constant statement: each filter is a bound parameter that may be NULL. Rows come in
    /// `seq` order straight from the table's b-tree: no sort, so memory stays constant.
    static let selectSQL = Schema.ledgerRowColumns + """

        WHERE (?1 IS NULL OR ts >= ?1) AND (?2 IS NULL OR ts < ?2)
          AND (?3 IS NULL OR conversation = ?3) AND (?4 IS NULL OR rule = ?4)
          AND seq <= ?5
        ORDER BY seq
        """

    /// Checks the store's chain, then writes the selected rows as file lines (without
    /// newlines) to `emit`, in chain order.
    ///
    /// - Parameters:
    ///   - database: a connection to the store (read-only is enough).
    ///   - filter: what to select; an empty filter exports the stored chain as stored.
    ///   - sourceName: how a filtered export's header names the store (its path).
    ///   - force: write even when the store's chain is broken.
    ///   - emit: receives each line; may throw to stop the export.
    /// - Returns: what was done; `.refused` writes nothing.
    /// - Throws: `DatabaseError`, or what `emit` throws.
    @discardableResult
    package static func export(
        from database: Database, filter: LedgerExportFilter, sourceName: String = "", force: Bool = false,
        to emit: (String) throws -> Void
    ) throws -> LedgerExportOutcome {
        try database.inReadTransaction { () throws -> LedgerExportOutcome in
            let check = try LedgerVerification.verifyStore(database)
            if !check.isIntact && !force { return .refused(check) }
            let head = check.lastRow
            let statement = try database.makeStatement(sql: selectSQL)
            try statement.bind([
                filter.since.map(DatabaseValue.integer) ?? .null, filter.until.map(DatabaseValue.integer) ?? .null,
                .optional(filter.conversation), .optional(filter.rule?.rawValue), .integer(head?.seq ?? Int64.min),
            ])
            var lines = 0
            if filter.isEmpty {
                while try statement.step() {
                    try emit(StoredLedgerRow(columnsOf: statement).storedRecord.fileLine)
                    lines += 1
                }
                return .written(lines: lines, sourceCheck: check)
            }
            let header = DerivedExportHeader(
                sourceStore: sourceName, headSeq: head?.seq ?? 0, headHash: head?.hash ?? MosesLedgerRecord.zeroHash,
                sourceRows: check.entries, sourceBreak: check.firstBreak?.description, filter: filter
            ).record
            try emit(header.fileLine)
            lines += 1
            var previousHash = header.hash ?? ""
            while try statement.step() {
                let record = StoredLedgerRow(columnsOf: statement).rechained(previousHash: previousHash)
                try emit(record.fileLine)
                previousHash = record.hash ?? ""
                lines += 1
            }
            return .written(lines: lines, sourceCheck: check)
        }
    }
}

extension LedgerExportFilter {
    /// True when nothing is filtered: the export is the stored chain.
    package var isEmpty: Bool { since == nil && until == nil && conversation == nil && rule == nil }
}
