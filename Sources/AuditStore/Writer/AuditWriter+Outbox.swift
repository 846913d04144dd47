extension AuditWriter {
    /// Writes an outbox update through this writer and waits until it is committed: the
    /// delivery worker's bookkeeping, durable and in the order the worker makes it, on the
    /// store's one writing connection.
    ///
    /// Never dropped by the overflow policy (a lost `delivered` would notify twice); the
    /// caller waits for room instead. While the store fails, the update waits in the hold
    /// like an observation: a full hold, or a stop before the store recovers, loses it, and
    /// the row, still pending, is delivered again (at least once, as across a crash).
    ///
    /// - Throws: the store's error while it is failing (the update is held and written
    ///   when the store takes batches again), or `.misuse` once the writer is closed.
    package func write(_ update: OutboxUpdate) throws(DatabaseError) {
        guard enqueue(.outbox(update)) == .accepted else {
            throw DatabaseError(code: .misuse, message: "the audit writer is closed", operation: "outbox update")
        }
        try flush()
    }
}
