/// `ledger_integrity`: a MO§ES ledger entry whose SHA-256 (recomputed canonically by the
/// source) or `previous_hash` link does not hold. A line whose `previous_hash` is a chain
/// origin (64 zeros or the lineage anchor) starts a new chain (rotation, truncation).
enum LedgerIntegrityRule {
    static let chainOrigins: Set<String> = [
        String(repeating: "0", count: 64),
        "5cda97fa2ad53e199618f5a610240888ae09d5a1e5e17b0d48c676d37dcda636",
    ]

    static func judge(entry: LedgerEntry, previousHash: String?, context: JudgingContext) -> [Violation] {
        var found: [Violation] = []
        let line = entry.line.map { "line \($0)" } ?? "entry"
        let session = SessionRef(sessionKey: "", agentID: entry.agent, conversation: "")
        if entry.computedHash != entry.hash {
            found.append(context.violation(
                .ledgerIntegrity, session: session, role: Role(normalizing: entry.agent),
                expected: "hash \(entry.computedHash)", actual: "hash \(entry.hash)",
                detail: "MO§ES ledger \(line) (\(entry.action)) does not hash to its recorded hash: the entry was altered",
                runID: nil
            ))
        }
        if let previousHash, entry.previousHash != previousHash, !chainOrigins.contains(entry.previousHash) {
            found.append(context.violation(
                .ledgerIntegrity, session: session, role: Role(normalizing: entry.agent),
                expected: "previous_hash \(previousHash)", actual: "previous_hash \(entry.previousHash)",
                detail: "MO§ES ledger \(line) (\(entry.action)) does not link to the entry before it: the chain is broken",
                runID: nil
            ))
        }
        return found
    }
}
