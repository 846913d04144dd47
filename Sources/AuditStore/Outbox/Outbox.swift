import Governance
import WireFormats

/// A way of telling the operator about a violation. The raw value is the `channel` column.
package enum NotificationChannel: String, Sendable, CaseIterable {
    /// An HTTP POST of the violation JSON.
    case webhook
    /// A program that receives the violation JSON on its standard input.
    case exec
}

/// Where an outbox row is in its life. The raw value is the `state` column.
package enum OutboxState: String, Sendable, CaseIterable {
    /// Waiting for (another) delivery attempt.
    case pending
    /// Delivered once; never attempted again.
    case delivered
    /// Given up on after the last allowed attempt.
    case failed
    /// Not delivered because of flood control; waits for its summary.
    case suppressed
    /// Suppressed and covered by a delivered-or-pending summary row.
    case summarized
}

/// One notification waiting in (or read back from) the outbox.
package struct OutboxRow: Sendable, Equatable {
    package enum Kind: String, Sendable {
        /// One stored violation.
        case violation
        /// A "suppressed N since T" flood-control summary.
        case summary
    }

    package var id: Int64
    package var violationID: Int64?
    package var channel: String
    package var kind: Kind
    package var rule: String
    package var conversation: String
    /// The JSON body delivered.
    package var payload: String
    /// Delivery attempts made so far.
    package var attempts: Int
    package var nextAttemptAt: Int64
    package var createdAt: Int64
    package var state: OutboxState = .pending
    package var lastError: String?
    package var deliveredAt: Int64?
}

/// The outbox's counts, as `/metrics` and the `stats` view name them.
package struct OutboxCounts: Sendable, Equatable {
    /// The metric names: the one place they are spelled (the `stats` view interpolates them).
    package enum Name {
        package static let pending = "moses_outbox_pending"
        package static let delivered = "moses_outbox_delivered_total"
        package static let failed = "moses_outbox_failed_total"
        package static let suppressed = "moses_outbox_suppressed_total"
    }

    /// Rows waiting for delivery (a gauge).
    package var pending: UInt64 = 0
    package var delivered: UInt64 = 0
    package var failed: UInt64 = 0
    /// Rows held back by flood control (summarized or still waiting for a summary).
    package var suppressed: UInt64 = 0

    package init() {}

    /// Metric name and value pairs.
    package var metrics: [(name: String, value: UInt64)] {
        [(Name.pending, pending), (Name.delivered, delivered), (Name.failed, failed), (Name.suppressed, suppressed)]
    }
}

/// A read-only connection to the audit database's outbox: the delivery worker reads due rows
/// here (WAL lets it read while the writer commits). Its changes go through the store's one
/// writer as `OutboxUpdate`s (`AuditWriter.write(_:)`), never through this connection.
///
/// Owned by one thread (the delivery worker's); not `Sendable`.
package final class Outbox {
    package let database: Database

    /// Opens the database at `path` read-only; the writer has created and migrated it.
    ///
    /// - Throws: `DatabaseError` for a missing, unreadable, corrupt or newer-schema database.
    package init(path: String, busyTimeoutMs: Int32 = 5_000) throws(DatabaseError) {
        database = try AuditDatabase.openReader(path: path, busyTimeoutMs: busyTimeoutMs)
    }

    /// The first pending row of each channel, due or not, in id order.
    package func pendingHeads() throws(DatabaseError) -> [OutboxRow] {
        let statement = try database.cachedStatement(sql: OutboxSchema.pendingHeads)
        try statement.bind([])
        defer { statement.reset() }
        var rows: [OutboxRow] = []
        while try statement.step() {
            rows.append(OutboxRow(
                id: statement.integer(at: 0), violationID: statement.isNull(at: 1) ? nil : statement.integer(at: 1),
                channel: statement.text(at: 2) ?? "", kind: OutboxRow.Kind(rawValue: statement.text(at: 3) ?? "") ?? .violation,
                rule: statement.text(at: 4) ?? "", conversation: statement.text(at: 5) ?? "",
                payload: statement.text(at: 6) ?? "", attempts: Int(statement.integer(at: 7)),
                nextAttemptAt: statement.integer(at: 8), createdAt: statement.integer(at: 9)))
        }
        return rows
    }

    /// Every row of `channel`, in delivery order (tests and diagnostics).
    package func rows(of channel: String) throws(DatabaseError) -> [OutboxRow] {
        let statement = try database.makeStatement(sql: OutboxSchema.rowsOfChannel)
        try statement.bind([.text(channel)])
        var rows: [OutboxRow] = []
        while try statement.step() {
            rows.append(OutboxRow(
                id: statement.integer(at: 0), violationID: statement.isNull(at: 1) ? nil : statement.integer(at: 1),
                channel: statement.text(at: 2) ?? "", kind: OutboxRow.Kind(rawValue: statement.text(at: 3) ?? "") ?? .violation,
                rule: statement.text(at: 4) ?? "", conversation: statement.text(at: 5) ?? "",
                payload: statement.text(at: 6) ?? "", attempts: Int(statement.integer(at: 7)),
                nextAttemptAt: statement.integer(at: 8), createdAt: statement.integer(at: 9),
                state: OutboxState(rawValue: statement.text(at: 10) ?? "") ?? .pending, lastError: statement.text(at: 11),
                deliveredAt: statement.isNull(at: 12) ? nil : statement.integer(at: 12)))
        }
        return rows
    }

    /// Suppressed rows not yet covered by a summary, per (channel, rule, conversation).
    package struct SuppressedGroup: Sendable, Equatable {
        package var channel: String
        package var rule: String
        package var conversation: String
        package var count: Int
        /// `created_at` of the first and last suppressed row.
        package var firstAt: Int64
        package var lastAt: Int64
    }

    /// The groups of suppressed rows waiting for a summary.
    package func suppressedGroups() throws(DatabaseError) -> [SuppressedGroup] {
        let statement = try database.cachedStatement(sql: OutboxSchema.suppressedGroups)
        try statement.bind([])
        defer { statement.reset() }
        var groups: [SuppressedGroup] = []
        while try statement.step() {
            groups.append(SuppressedGroup(
                channel: statement.text(at: 0) ?? "", rule: statement.text(at: 1) ?? "",
                conversation: statement.text(at: 2) ?? "", count: Int(statement.integer(at: 3)),
                firstAt: statement.integer(at: 4), lastAt: statement.integer(at: 5)))
        }
        return groups
    }

    /// Rows by state (one query over the state index).
    package func counts() throws(DatabaseError) -> OutboxCounts {
        let statement = try database.cachedStatement(sql: OutboxSchema.countsByState)
        try statement.bind([])
        defer { statement.reset() }
        var counts = OutboxCounts()
        while try statement.step() {
            let count = UInt64(clamping: statement.integer(at: 1))
            switch OutboxState(rawValue: statement.text(at: 0) ?? "") {
            case .pending: counts.pending += count
            case .delivered: counts.delivered += count
            case .failed: counts.failed += count
            case .suppressed, .summarized: counts.suppressed += count
            case nil: break
            }
        }
        return counts
    }

    /// Closes the connection. Idempotent.
    package func close() { database.close() }
}

extension AuditBatchApplier {
    /// Queues one outbox row per configured channel for a violation just inserted, in the
    /// caller's transaction.
    func enqueueNotifications(for violation: Violation, violationID: Int64, at now: Int64) throws(DatabaseError) {
        guard !notificationChannels.isEmpty else { return }
        let payload = violation.jsonLine
        for channel in notificationChannels {
            try database.execute(sql: OutboxSchema.insertViolationRow, arguments: [
                .integer(violationID), .text(channel.rawValue), .text(violation.rule.rawValue),
                .text(violation.conversation), .text(payload), .integer(now), .integer(now),
            ])
        }
    }
}
