/// Checks a MO§ES ledger's hash chain one line at a time, in constant memory: each entry's
/// `hash` must be the SHA-256 of its canonical form, and its `previous_hash` (or `prev_hash`)
/// must equal the `hash` of the line before. The first line may claim any `previous_hash`
/// (64 zeros, the lineage anchor, or the tail of a rotated file).
///
/// After a break the verifier goes on, judging the next line against what the broken line
/// says its `hash` is, so one tampered line gives one break; after a malformed line the next
/// line starts a new chain. Blank lines are skipped but counted in line numbers.
///
/// A value type owned by one reader (the ledger tail, `verify`); not shared between threads.
package struct LedgerChainVerifier: Sendable {
    /// Why a line breaks the chain.
    package enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// The line is not a JSON object.
        case malformed(FrameError)
        /// A JSON object with no `hash`: some other JSON lines file, not a ledger.
        case notALedgerEntry
        /// `hash` (as written) differs from the recomputed canonical hash.
        case hashMismatch(written: String, computed: String)
        /// `previous_hash` differs from the previous line's `hash`.
        case linkBroken(expected: String, found: String)

        package var description: String {
            switch self {
            case .malformed(let error): "malformed line: \(error)"
            case .notALedgerEntry: "not a ledger entry (no \"hash\" field): is this a MO§ES audit ledger or an export?"
            case .hashMismatch(let written, let computed): "hash mismatch: written \(written), computed \(computed)"
            case .linkBroken(let expected, let found): "previous_hash link broken: expected \(expected), found \(found)"
            }
        }
    }

    /// A line that breaks the chain.
    package struct Break: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        package var line: Int
        package var reason: Reason

        package var description: String { "line \(line): \(reason)" }
    }

    /// Lines fed so far, blank ones included.
    package private(set) var lineCount = 0
    /// Entries checked (non-blank lines).
    package private(set) var entryCount = 0
    /// The `hash` the next entry must link to; nil before the first entry or after a malformed line.
    package private(set) var lastHash: String?
    /// The first break seen, if any.
    package private(set) var firstBreak: Break?
    /// All breaks seen (counted, not kept).
    package private(set) var breakCount = 0

    package init() {}

    /// True while no line has broken the chain.
    package var isIntact: Bool { firstBreak == nil }

    /// Checks the next line of the ledger.
    ///
    /// - Parameter line: the line's bytes without the newline (a trailing `\r` is ignored).
    /// - Returns: the breaks this line causes (a line may both mismatch its hash and break
    ///   the link; the hash mismatch comes first), empty when it holds.
    @discardableResult
    package mutating func feed(_ line: some Collection<UInt8>) -> [Break] {
        lineCount += 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return [] }
        entryCount += 1
        let record: MosesLedgerRecord
        do {
            record = try MosesLedgerRecord(line: line)
        } catch {
            lastHash = nil
            return self.note(Break(line: lineCount, reason: .malformed(error.on(line: lineCount))))
        }
        return feed(record)
    }

    /// Checks an already parsed record as the next line (line numbers advance by one).
    package mutating func feed(record: MosesLedgerRecord) -> [Break] {
        lineCount += 1
        entryCount += 1
        return feed(record)
    }

    private mutating func feed(_ record: MosesLedgerRecord) -> [Break] {
        var breaks: [Break] = []
        let written = record.hash ?? ""
        let computed = record.computedHash
        if record.hash == nil {
            breaks.append(Break(line: lineCount, reason: .notALedgerEntry))
        } else if written != computed {
            breaks.append(Break(line: lineCount, reason: .hashMismatch(written: written, computed: computed)))
        }
        let previous = record.previousHash ?? ""
        if let lastHash, previous != lastHash {
            breaks.append(Break(line: lineCount, reason: .linkBroken(expected: lastHash, found: previous)))
        }
        lastHash = written
        for found in breaks { _ = note(found) }
        return breaks
    }

    private mutating func note(_ found: Break) -> [Break] {
        breakCount += 1
        if firstBreak == nil { firstBreak = found }
        return [found]
    }
}
