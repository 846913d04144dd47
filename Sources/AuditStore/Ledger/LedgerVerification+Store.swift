import WireFormats

/// A row of the store's chain that has been checked: where an incremental check resumes.
package struct LedgerCheckpoint: Sendable, Equatable {
    /// The row's `seq`.
    package var seq: Int64
    /// The row's `hash`, which the next row's `previous_hash` must equal.
    package var hash: String
    /// The row's 1-based position in the chain (its line number in an unfiltered export).
    package var position: Int

    package init(seq: Int64, hash: String, position: Int) {
        self.seq = seq
        self.hash = hash
        self.position = position
    }
}

extension LedgerVerification {
    /// The rows after a `seq`, in chain order, at most `?2` of them (-1: all).
    static let rowsAfterSQL = Schema.ledgerRowColumns + " WHERE seq > ?1 ORDER BY seq LIMIT ?2"

    /// Checks the store's own `ledger` chain row by row in `seq` order, in constant memory:
    /// each row's `hash` must be the canonical hash of its stored fields, and its
    /// `previous_hash` the row before's `hash` (the genesis value, 64 zeros, for the first).
    ///
    /// - Parameters:
    ///   - database: a connection to the store.
    ///   - checkpoint: resume after this row, already checked (its hash is trusted as the
    ///     link); nil to check from the first row.
    ///   - maxRows: check at most this many rows (an incremental check's chunk); nil for all.
    /// - Returns: the result, positions counted from the start of the chain; `lastRow` is the
    ///   last row read (the checkpoint itself when no row follows it).
    /// - Throws: `DatabaseError`.
    package static func verifyStore(
        _ database: Database, after checkpoint: LedgerCheckpoint? = nil, maxRows: Int? = nil
    ) throws(DatabaseError) -> LedgerVerification {
        let statement = try database.makeStatement(sql: rowsAfterSQL)
        try statement.bind([.integer(checkpoint?.seq ?? Int64.min), .integer(maxRows.map(Int64.init) ?? -1)])
        var result = LedgerVerification(entries: 0, firstBreak: nil, breakCount: 0, lastRow: checkpoint)
        var previousHash = checkpoint?.hash ?? MosesLedgerRecord.zeroHash
        var position = checkpoint?.position ?? 0
        while try statement.step() {
            let row = StoredLedgerRow(columnsOf: statement)
            position += 1
            result.entries += 1
            let computed = row.storedRecord.computedHash
            if computed != row.hash {
                result.note(ChainBreak(
                    line: position, reason: "hash mismatch: stored \(row.hash), computed \(computed)", seq: row.seq))
            }
            if row.previousHash != previousHash {
                let reason = position == 1
                    ? "the first row does not start from the genesis value: previous_hash \(row.previousHash)"
                    : "previous_hash link broken: expected \(previousHash), found \(row.previousHash)"
                result.note(ChainBreak(line: position, reason: reason, seq: row.seq))
            }
            // As the file verifier does: judge the next row against what this one says, so
            // one altered row gives one break.
            previousHash = row.hash
            result.lastRow = LedgerCheckpoint(seq: row.seq, hash: row.hash, position: position)
        }
        return result
    }

    /// Whether the row a checkpoint names is still in the store, unchanged: same hash, and
    /// that hash still the canonical hash of its fields. A row that was checked and then
    /// altered or removed is found here, even when no row follows it. One row: O(1).
    ///
    /// - Returns: nil when it holds; otherwise the break to report.
    /// - Throws: `DatabaseError`.
    package static func checkpointBreak(
        _ checkpoint: LedgerCheckpoint, in database: Database
    ) throws(DatabaseError) -> ChainBreak? {
        let statement = try database.makeStatement(sql: Schema.ledgerRowColumns + " WHERE seq = ?")
        try statement.bind([.integer(checkpoint.seq)])
        func found(_ reason: String) -> ChainBreak { ChainBreak(line: checkpoint.position, reason: reason, seq: checkpoint.seq) }
        guard try statement.step() else { return found("the row verified earlier (hash \(checkpoint.hash)) is gone") }
        let row = StoredLedgerRow(columnsOf: statement)
        guard row.hash == checkpoint.hash else {
            return found("the row verified earlier now has hash \(row.hash), was \(checkpoint.hash)")
        }
        let computed = row.storedRecord.computedHash
        guard computed == row.hash else { return found("hash mismatch: stored \(row.hash), computed \(computed)") }
        return nil
    }
}
