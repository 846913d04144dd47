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

/// Streams the store's ledger out as MO§ES-compatible JSONL, in constant memory.
///
/// The selection is chained afresh from the genesis value (64 zeros) with the family's
/// canonical SHA-256, so any export, filtered or not, verifies on its own with
/// `audit_stub.py verify` or `moses-coordinator verify`. With no filter, the lines are
/// exactly the stored chain. Runs on the caller's thread with the caller's connection.
package enum LedgerExport {
    /// One constant statement: each filter is a bound parameter that may be NULL. Rows come in
    /// `seq` order straight from the table's b-tree: no sort, so memory stays constant.
    static let selectSQL = Schema.ledgerRowColumns + """

        WHERE (?1 IS NULL OR ts >= ?1) AND (?2 IS NULL OR ts < ?2)
          AND (?3 IS NULL OR conversation = ?3) AND (?4 IS NULL OR rule = ?4)
        ORDER BY seq
        """

    /// Writes the selected rows as file lines (without newlines) to `emit`, in chain order.
    ///
    /// - Parameters:
    ///   - database: a connection to the store (read-only is enough).
    ///   - filter: what to select.
    ///   - emit: receives each line; may throw to stop the export.
    /// - Returns: the number of lines written.
    /// - Throws: `DatabaseError`, or what `emit` throws.
    @discardableResult
    package static func export(
        from database: Database, filter: LedgerExportFilter, to emit: (String) throws -> Void
    ) throws -> Int {
        let statement = try database.makeStatement(sql: selectSQL)
        try statement.bind([
            filter.since.map(DatabaseValue.integer) ?? .null, filter.until.map(DatabaseValue.integer) ?? .null,
            .optional(filter.conversation), .optional(filter.rule?.rawValue),
        ])
        var previousHash = MosesLedgerRecord.zeroHash
        var lines = 0
        while try statement.step() {
            let record = StoredLedgerRow(columnsOf: statement).rechained(previousHash: previousHash)
            try emit(record.fileLine)
            previousHash = record.hash ?? ""
            lines += 1
        }
        return lines
    }
}
