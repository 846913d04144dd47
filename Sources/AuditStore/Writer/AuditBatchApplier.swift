import Governance
import WireFormats

/// Writes batches of records into the audit database, each batch in one `BEGIN IMMEDIATE`
/// transaction: all of it or none of it.
///
/// Owns its `Database`; used by one thread at a time (the `AuditWriter`'s thread, or the
/// benchmark's plain loop). Not `Sendable`.
package final class AuditBatchApplier {
    package let database: Database
    /// The channels each newly stored violation is queued for in the outbox, in the same
    /// transaction (empty: no notifications). See `Outbox`.
    package var notificationChannels: [NotificationChannel] = []

    /// What a committed batch did.
    package struct Outcome: Sendable {
        /// Violations stored by this batch, in order (already stored ones are left out).
        package var newViolations: [Violation] = []
        /// Records that were already in the database (a replay) and were skipped.
        package var duplicates = 0
        /// Rows of the store's ledger appended.
        package var ledgerRows = 0
        /// Rows deleted by retention.
        package var prunedRows = 0
    }

    package init(database: Database) {
        self.database = database
    }

    /// Applies `batch` in one immediate transaction.
    ///
    /// - Parameters:
    ///   - batch: the records, in order.
    ///   - recordedAt: wall-clock ms written to `recorded_at`.
    ///   - counters: writer counters to store in the same transaction (absolute values).
    /// - Returns: what was stored.
    /// - Throws: `DatabaseError`; the transaction is then rolled back, nothing of the batch stays.
    package func apply(
        _ batch: some Collection<AuditRecord>, recordedAt: Int64, counters: [(name: String, value: UInt64)] = []
    ) throws(DatabaseError) -> Outcome {
        var outcome = Outcome()
        do {
            try database.inTransaction(.immediate) {
                outcome = try self.write(batch, recordedAt: recordedAt, counters: counters)
                return .commit
            }
        } catch let error as DatabaseError {
            throw error
        } catch {
            preconditionFailure("the batch threw a non-database error: \(error)")
        }
        return outcome
    }

    private func write(
        _ batch: some Collection<AuditRecord>, recordedAt: Int64, counters: [(name: String, value: UInt64)]
    ) throws(DatabaseError) -> Outcome {
        var outcome = Outcome()
        // Read inside the transaction: another writer on the same file cannot fork the chain.
        var previousHash = try database.cachedStatement(sql: Schema.lastLedgerHash).firstText()
            ?? MosesLedgerRecord.zeroHash
        let recorded = DatabaseValue.integer(recordedAt)
        for record in batch {
            switch record {
            case .violation(let violation):
                let inserted = try database.execute(sql: Schema.insertViolation, arguments: [
                    .integer(violation.at), .text(violation.conversation), .text(violation.sessionKey),
                    .text(violation.agentID), .optional(violation.role?.rawValue), .text(violation.rule.rawValue),
                    .text(violation.expected), .text(violation.actual), .text(violation.detail),
                    .text(violation.runID ?? ""), .text(violation.state.mode.rawValue),
                    .text(violation.state.posture.rawValue), .text(violation.state.role.rawValue), recorded,
                ])
                guard inserted == 1 else {
                    outcome.duplicates += 1
                    continue
                }
                let violationID = database.lastInsertedRowID
                try enqueueNotifications(for: violation, violationID: violationID, at: recordedAt)
                previousHash = try appendLedgerRow(
                    LedgerRowContent(violation: violation), violationID: violationID, previousHash: previousHash)
                outcome.ledgerRows += 1
                outcome.newViolations.append(violation)
            case .daemon(let event):
                previousHash = try appendLedgerRow(
                    LedgerRowContent(daemon: event), violationID: nil, previousHash: previousHash)
                outcome.ledgerRows += 1
            case .response(let response):
                let inserted = try database.execute(sql: Schema.insertResponse, arguments: [
                    .integer(response.at), .text(response.session.conversation), .text(response.session.sessionKey),
                    .text(response.session.agentID), .optional(response.role?.rawValue), .text(response.runID ?? ""),
                    .integer(Int64(response.textLength)), .integer(response.isAudited ? 1 : 0),
                    .text(response.source.rawValue), recorded, .integer(Int64(response.ordinal)),
                ])
                if inserted == 0 { outcome.duplicates += 1 }
            case .responseAudited(let audited):
                try database.execute(sql: Schema.markResponseAudited, arguments: [
                    .text(audited.session.conversation), .text(audited.session.agentID), .text(audited.runID ?? ""),
                    .integer(audited.at), .integer(Int64(audited.ordinal)),
                ])
            case .toolCall(let record):
                let call = record.call
                let inserted = try database.execute(sql: Schema.insertToolCall, arguments: [
                    .integer(record.at), .text(call.session.conversation), .text(call.session.sessionKey),
                    .text(call.session.agentID), .optional(record.role?.rawValue), .text(call.runID ?? ""),
                    .text(call.toolCallID ?? ""), .text(call.name), .text(call.command), recorded,
                ])
                if inserted == 0 { outcome.duplicates += 1 }
            case .ledgerEntry(let entry):
                let inserted = try database.execute(sql: Schema.insertLedgerEntry, arguments: [
                    entry.timestamp.map(DatabaseValue.integer) ?? .null, entry.line.map { .integer(Int64($0)) } ?? .null,
                    .text(entry.agent), .text(entry.action), .text(entry.hash), .text(entry.previousHash),
                    .text(entry.computedHash), .integer(entry.hash == entry.computedHash ? 1 : 0), recorded,
                ])
                if inserted == 0 { outcome.duplicates += 1 }
            case .stateChange(let at, let state):
                let inserted = try database.execute(sql: Schema.insertStateChange, arguments: [
                    .integer(at), .text(state.mode.rawValue), .text(state.posture.rawValue),
                    .text(state.role.rawValue), recorded,
                ])
                if inserted == 0 { outcome.duplicates += 1 }
            case .conversation(let conversation):
                try database.execute(sql: Schema.upsertConversation, arguments: [
                    .text(conversation.conversation), .integer(conversation.firstSeen),
                    .integer(conversation.lastSeen), .text(conversation.cyclePosition),
                    .integer(conversation.responses), .integer(conversation.toolCalls),
                    .integer(conversation.violations),
                ])
            case .prune(let before):
                for sql in Schema.pruneEvents {
                    outcome.prunedRows += try database.execute(sql: sql, arguments: [.integer(before)])
                }
            case .outbox(let update):
                try apply(update)
            case .counters(let snapshot):
                for (name, value) in snapshot.values {
                    try database.execute(
                        sql: Schema.upsertCounter,
                        arguments: [.text(name), .integer(Int64(clamping: value)), .integer(snapshot.at)])
                }
            }
        }
        for (name, value) in counters {
            try database.execute(
                sql: Schema.upsertCounter, arguments: [.text(name), .integer(Int64(clamping: value)), recorded])
        }
        return outcome
    }

    /// Inserts one chained ledger row and returns its hash.
    private func appendLedgerRow(
        _ content: LedgerRowContent, violationID: Int64?, previousHash: String
    ) throws(DatabaseError) -> String {
        let (timestamp, hash) = content.chained(to: previousHash)
        try database.execute(sql: Schema.insertLedgerRow, arguments: [
            .text(content.kind.rawValue), violationID.map(DatabaseValue.integer) ?? .null, .integer(content.at),
            .text(content.conversation), .text(content.rule), .text(timestamp), .text(content.agent),
            .text(content.component), .text(content.action), .text(content.detail), .text(content.outcome),
            .text(content.state.mode.rawValue), .text(content.state.posture.rawValue),
            .text(content.state.role.rawValue), .null, .text(previousHash), .text(hash),
        ])
        return hash
    }
}

extension Statement {
    /// Steps once and returns column 0 as text, then resets; nil for no row or NULL.
    func firstText(_ arguments: [DatabaseValue] = []) throws(DatabaseError) -> String? {
        try bind(arguments)
        defer { sqlite3ResetQuietly() }
        return try step() ? text(at: 0) : nil
    }
}
