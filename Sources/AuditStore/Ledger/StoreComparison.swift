import WireFormats

/// Checks, line by line and in constant memory, that a ledger file is what a store holds:
/// an unfiltered export must be the store's chain as stored (a prefix of it, when the store
/// has grown since); a derived export must name a head the store has, and hold exactly
/// the rows its filter selects up to that head, each with the content stored. The store's
/// own chain must hold too. A file can keep a sound chain and still be forged; this is
/// the check that it is not.
///
/// Used by `LedgerVerification.verifyFile(at:against:)` on its caller's thread.
struct StoreComparison {
    private let statement: Statement
    private let isDerived: Bool
    private let storePath: String
    private var headSeq: Int64?
    private var isExhausted = false
    private var compared = 0
    /// Rows the store has after an unfiltered file's last line (appended since the export).
    private var storeRowsAfter = 0
    /// The first mismatch and how many there were.
    private(set) var firstBreak: ChainBreak?
    private(set) var breakCount = 0

    /// Prepares the comparison and checks the store's chain and, for a derived file, the head.
    ///
    /// - Parameters:
    ///   - store: the store the file should come from.
    ///   - header: the file's derived-export header, nil for an unfiltered export.
    ///   - headerLine: the header's line (breaks about the head are reported there).
    init(store: Database, header: DerivedExportHeader?, headerLine: Int) throws(DatabaseError) {
        storePath = store.path
        statement = try store.makeStatement(sql: LedgerExport.selectSQL)
        isDerived = header != nil
        let check = try LedgerVerification.verifyStore(store)
        if let found = check.firstBreak {
            note(ChainBreak(line: max(headerLine, 1), reason: "the store's own chain is broken at \(found)"))
        }
        if let header {
            headSeq = header.headSeq
            let stored = try store.singleText(sql: Schema.ledgerHashAtSeq, arguments: [.integer(header.headSeq)])
            if stored != header.headHash {
                note(ChainBreak(
                    line: headerLine,
                    reason: "the store has no row seq \(header.headSeq) with hash \(header.headHash), the head this file names"))
            }
            let filter = header.filter
            try statement.bind([
                filter.since.map(DatabaseValue.integer) ?? .null, filter.until.map(DatabaseValue.integer) ?? .null,
                .optional(filter.conversation), .optional(filter.rule?.rawValue), .integer(header.headSeq),
            ])
        } else {
            try statement.bind([.null, .null, .null, .null, .integer(Int64.max)])
        }
    }

    /// Compares the file's next entry (nil when it is not a record) with the store's next row.
    mutating func compare(_ record: MosesLedgerRecord?, line: Int) throws(DatabaseError) {
        guard !isExhausted, try statement.step() else {
            if !isExhausted { note(ChainBreak(line: line, reason: "the store has no row for this line: the file has more than the store")) }
            isExhausted = true
            return
        }
        let row = StoredLedgerRow(columnsOf: statement)
        compared += 1
        guard let record else {
            note(ChainBreak(line: line, reason: "not a record where the store has its row seq \(row.seq)"))
            return
        }
        let expected = isDerived ? row.rechained(previousHash: record.previousHash ?? "") : row.storedRecord
        if expected.object != record.object {
            note(ChainBreak(line: line, reason: "differs from the store's row seq \(row.seq)"))
        }
    }

    /// After the file's last line: the store must have no row left for a derived file (its
    /// selection was up to a fixed head); an unfiltered one may be a prefix of a store that
    /// grew since.
    mutating func finish(afterLine lastLine: Int) throws(DatabaseError) {
        guard !isExhausted else { return }
        if isDerived {
            guard try statement.step() else { return }
            let seq = statement.integer(at: 0)
            note(ChainBreak(line: lastLine + 1, reason: "the file ends before the store's row seq \(seq), which its filter selects"))
        } else {
            while try statement.step() { storeRowsAfter += 1 }
        }
    }

    /// What matched, for the report.
    var summary: String {
        isDerived
            ? "every row matches store \(storePath) at head seq \(headSeq ?? 0) (\(compared) rows)"
            : "every line is store \(storePath)'s row as stored (\(compared) rows"
                + (storeRowsAfter == 0 ? ")" : "; the store has \(storeRowsAfter) more after them)")
    }

    private mutating func note(_ found: ChainBreak) {
        breakCount += 1
        if firstBreak == nil { firstBreak = found }
    }
}
