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

    /// For a filtered export: the store and chain head it was derived from (its first line).
    package var derivedFrom: DerivedExportHeader?
    /// For the store's chain: the last row checked, where an incremental check resumes.
    package var lastRow: LedgerCheckpoint?
    /// For a file checked against a store: what was compared, when every line matched.
    package var storeMatch: String?

    package init(
        entries: Int, firstBreak: ChainBreak?, breakCount: Int, derivedFrom: DerivedExportHeader? = nil,
        lastRow: LedgerCheckpoint? = nil
    ) {
        self.entries = entries
        self.firstBreak = firstBreak
        self.breakCount = breakCount
        self.derivedFrom = derivedFrom
        self.lastRow = lastRow
    }

    /// True when the whole chain holds.
    package var isIntact: Bool { firstBreak == nil }

    package var description: String {
        var derived = derivedFrom.map { "; \($0)" } ?? ""
        if let storeMatch { derived += "; \(storeMatch)" }
        if let firstBreak {
            return "BROKEN: \(firstBreak) (\(breakCount) break(s) in \(entries) entries)\(derived)"
        }
        return "OK: \(entries) entries, chain intact\(derived)"
    }

    /// Checks a JSONL ledger file line by line in constant memory (a MO§ES
    /// `audit_ledger.jsonl`, genesis lines included, or an export). A filtered export's
    /// header line is reported in `derivedFrom`; one that says its source store's chain was
    /// broken is itself a break.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - store: also check that each line is the store's (see `StoreComparison`): a
    ///     line that differs, or a line too many or too few, is a break.
    /// - Throws: `LedgerFileError` when the file cannot be opened or read, `DatabaseError`
    ///   when the store cannot be read.
    package static func verifyFile(at path: String, against store: Database? = nil) throws -> LedgerVerification {
        guard let file = fopen(path, "re") else { throw LedgerFileError.system("open", path: path) }
        defer { fclose(file) }
        var verifier = LedgerChainVerifier()
        var derivedFrom: DerivedExportHeader?
        var derivedLine = 0
        var comparison: StoreComparison?
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while true {
            let length = getline(&buffer, &capacity, file)
            if length < 0 {
                if ferror(file) != 0 { throw LedgerFileError.system("read", path: path) }
                break
            }
            var count = length
            if count > 0, buffer![count - 1] == 0x0A { count -= 1 }
            let line = UnsafeRawBufferPointer(start: buffer, count: count)
            let entriesBefore = verifier.entryCount
            verifier.feed(line)
            guard verifier.entryCount > entriesBefore else { continue }  // a blank line
            let isFirstEntry = entriesBefore == 0
            guard isFirstEntry || comparison != nil else { continue }
            let record = try? MosesLedgerRecord(line: line)
            if isFirstEntry {
                // Only the first entry can be a derived export's header: one further down
                // would be a splice, and is checked as an ordinary link.
                derivedFrom = record.flatMap(DerivedExportHeader.init)
                if derivedFrom != nil { derivedLine = verifier.lineCount }
                if let store {
                    comparison = try StoreComparison(store: store, header: derivedFrom, headerLine: verifier.lineCount)
                    if derivedFrom != nil { continue }
                }
            }
            try comparison?.compare(record, line: verifier.lineCount)
        }
        if store != nil, comparison == nil {
            // An empty file: it matches only a store with nothing to export.
            comparison = try StoreComparison(store: store!, header: nil, headerLine: 0)
        }
        try comparison?.finish(afterLine: verifier.lineCount)
        var result = LedgerVerification(
            entries: verifier.entryCount, firstBreak: verifier.firstBreak.map(ChainBreak.init),
            breakCount: verifier.breakCount, derivedFrom: derivedFrom)
        if let derivedFrom, let sourceBreak = derivedFrom.sourceBreak {
            // Forced past a broken store: the file's own chain may hold, but what it was
            // derived from did not, so the file does not vouch for anything.
            result.note(ChainBreak(line: derivedLine, reason: "derived from a store whose chain was broken (\(sourceBreak))"))
        }
        if let comparison {
            if let found = comparison.firstBreak {
                result.note(found)
                result.breakCount += comparison.breakCount - 1
            } else {
                result.storeMatch = comparison.summary
            }
        }
        return result
    }

    /// Counts `found` and keeps it as the first break when it comes before the current one.
    mutating func note(_ found: ChainBreak) {
        breakCount += 1
        if firstBreak == nil || firstBreak!.line > found.line { firstBreak = found }
    }
}

/// Where and why a chain breaks.
package struct ChainBreak: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line (file) or row position (store).
    package var line: Int
    package var reason: String
    /// The store row's `seq` (its key for `UPDATE`/`SELECT`); nil for a file line.
    package var seq: Int64?

    package init(line: Int, reason: String, seq: Int64? = nil) {
        self.line = line
        self.reason = reason
        self.seq = seq
    }

    init(_ found: LedgerChainVerifier.Break) {
        self.init(line: found.line, reason: found.reason.description)
    }

    package var description: String {
        if let seq { return "row \(line) (seq \(seq)): \(reason)" }
        return "line \(line): \(reason)"
    }
}
