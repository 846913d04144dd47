/// A change the delivery worker makes to the outbox: the outcome of an attempt or a
/// flood-control step. It reaches the database as an `AuditRecord.outbox` through the
/// store's one writer, so the worker needs no writing connection of its own.
package enum OutboxUpdate: Sendable, Equatable {
    /// Delivered after `attempts` attempts, at `at` (ms); a row no longer pending is left alone.
    case delivered(id: Int64, attempts: Int, at: Int64)
    /// A failed attempt, to be tried again at `nextAttemptAt` (ms).
    case retry(id: Int64, attempts: Int, nextAttemptAt: Int64, error: String)
    /// Given up on after its last attempt.
    case failed(id: Int64, attempts: Int, error: String)
    /// Held back by flood control.
    case suppressed(id: Int64)
    /// A summary row for `group`, and its suppressed rows marked summarized, in one
    /// transaction: a summary is written exactly once per suppressed row.
    case summary(Outbox.SuppressedGroup, payload: String, at: Int64)
}

extension AuditBatchApplier {
    /// Applies one outbox update in the caller's transaction.
    func apply(_ update: OutboxUpdate) throws(DatabaseError) {
        switch update {
        case .delivered(let id, let attempts, let at):
            try database.execute(sql: OutboxSchema.markDelivered, arguments: [.integer(Int64(attempts)), .integer(at), .integer(id)])
        case .retry(let id, let attempts, let nextAttemptAt, let error):
            try database.execute(
                sql: OutboxSchema.markRetry,
                arguments: [.integer(Int64(attempts)), .integer(nextAttemptAt), .text(error), .integer(id)])
        case .failed(let id, let attempts, let error):
            try database.execute(sql: OutboxSchema.markFailed, arguments: [.integer(Int64(attempts)), .text(error), .integer(id)])
        case .suppressed(let id):
            try database.execute(sql: OutboxSchema.markSuppressed, arguments: [.integer(id)])
        case .summary(let group, let payload, let at):
            try database.execute(sql: OutboxSchema.insertSummaryRow, arguments: [
                .text(group.channel), .text(group.rule), .text(group.conversation), .text(payload),
                .integer(at), .integer(at),
            ])
            try database.execute(
                sql: OutboxSchema.markSummarized,
                arguments: [.text(group.channel), .text(group.rule), .text(group.conversation)])
        }
    }
}
