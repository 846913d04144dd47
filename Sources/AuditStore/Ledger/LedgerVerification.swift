#if canImport(Glibc)
import Glibc
#endif
import WireFormats

/// The result of checking a hash chain.
package struct LedgerVerification: Sendable, Equatable, CustomStringConvertible {
    /// Entries (non-blank lines, or rows) checked.
    package var entries: Int
    /// The first break: its 1-based line (or row) number and reason; nil when the chain holds.
    package var firstBreak: ChainBreak?
    /// Breaks found in all.
    package var breakCount: Int

    /// True when the whole chain holds.
    package var isIntact: Bool { firstBreak == nil }

    package var description: String {
        if let firstBreak {
            return "BROKEN: \(firstBreak) (\(breakCount) break(s) in \(entries) entries)"
        }
        return "OK: \(entries) entries, chain intact"
    }

    /// Checks a JSONL ledger file line by line in constant memory (a MO§ES
    /// `audit_ledger.jsonl`, genesis lines included, or an export).
    ///
    /// - Throws: `LedgerFileError` when the file cannot be opened or read.
    package static func verifyFile(at path: String) throws(LedgerFileError) -> LedgerVerification {
        guard let file = fopen(path, "r") else { throw .system("open", path: path) }
        defer { fclose(file) }
        var verifier = LedgerChainVerifier()
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while true {
            let length = getline(&buffer, &capacity, file)
            if length < 0 {
                if ferror(file) != 0 { throw .system("read", path: path) }
                break
            }
            var count = length
            if count > 0, buffer![count - 1] == 0x0A { count -= 1 }
            let line = UnsafeRawBufferPointer(start: buffer, count: count)
            verifier.feed(line)
        }
        return LedgerVerification(
            entries: verifier.entryCount, firstBreak: verifier.firstBreak.map(ChainBreak.init), breakCount: verifier.breakCount)
    }

    /// Checks the store's own `ledger` chain, row by row in `seq` order; the first row must
    /// chain to the genesis value (64 zeros). Row numbers in breaks are 1-based positions.
    ///
    /// - Throws: `DatabaseError`.
    package static func verifyStore(_ database: Database) throws(DatabaseError) -> LedgerVerification {
        let statement = try database.makeStatement(sql: Schema.ledgerRowColumns + " ORDER BY seq")
        var verifier = LedgerChainVerifier()
        var firstRowBreak: ChainBreak?
        while try statement.step() {
            let row = StoredLedgerRow(columnsOf: statement)
            if verifier.entryCount == 0, row.previousHash != MosesLedgerRecord.zeroHash {
                firstRowBreak = ChainBreak(
                    line: 1,
                    reason: "the first row does not start from the genesis value: previous_hash \(row.previousHash)")
            }
            _ = verifier.feed(record: row.storedRecord)
        }
        var result = LedgerVerification(
            entries: verifier.entryCount, firstBreak: verifier.firstBreak.map(ChainBreak.init),
            breakCount: verifier.breakCount)
        if let firstRowBreak {
            result.breakCount += 1
            if result.firstBreak == nil || result.firstBreak!.line > 1 { result.firstBreak = firstRowBreak }
        }
        return result
    }
}

/// Where and why a chain breaks.
package struct ChainBreak: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line (file) or row position (store).
    package var line: Int
    package var reason: String

    package init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    init(_ found: LedgerChainVerifier.Break) {
        self.init(line: found.line, reason: found.reason.description)
    }

    package var description: String { "line \(line): \(reason)" }
}
