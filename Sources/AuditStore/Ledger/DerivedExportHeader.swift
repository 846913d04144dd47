import Governance
import WireFormats

/// The first line of a filtered export: which store the selection came from, that store's
/// chain head when it was taken, and the filter. It is a chain entry like any other (hashed
/// canonically, `previous_hash` the genesis value), and the selected rows chain from its
/// hash, so changing what it claims breaks the chain at line 1.
///
/// A filtered export is a new chain, not the stored one: its rows' hashes are not the
/// store's. The header is what makes it checkable as derived: the head hash names one row of
/// the source store, which the store's own `verify --db` vouches for. A value type: any thread.
package struct DerivedExportHeader: Sendable, Equatable, CustomStringConvertible {
    /// The value of `event` that marks the header (MO§ES genesis lines use `event` the same way).
    package static let event = "derived_export"

    /// The source store's path as exported (resolved to an absolute path when possible).
    package var sourceStore: String
    /// The `seq` and `hash` of the store's last ledger row when the export read it.
    package var headSeq: Int64
    package var headHash: String
    /// Rows in the source store's chain at export time.
    package var sourceRows: Int
    /// The store's first chain break when the export was forced past it; nil when the
    /// store's chain held.
    package var sourceBreak: String?
    package var filter: LedgerExportFilter

    package init(
        sourceStore: String, headSeq: Int64, headHash: String, sourceRows: Int, sourceBreak: String?,
        filter: LedgerExportFilter
    ) {
        self.sourceStore = sourceStore
        self.headSeq = headSeq
        self.headHash = headHash
        self.sourceRows = sourceRows
        self.sourceBreak = sourceBreak
        self.filter = filter
    }

    /// The header as a chain entry from the genesis value, its `hash` computed.
    package var record: MosesLedgerRecord {
        func optional(_ value: Int64?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
        var members: [JSONValue.Member] = [
            .init("event", .string(Self.event)),
            .init("source_store", .string(sourceStore)),
            .init("source_head_seq", .number(String(headSeq))),
            .init("source_head_hash", .string(headHash)),
            .init("source_rows", .number(String(sourceRows))),
            .init("source_chain_intact", .bool(sourceBreak == nil)),
        ]
        if let sourceBreak { members.append(.init("source_first_break", .string(sourceBreak))) }
        members.append(.init("filter", .object([
            .init("since_ms", optional(filter.since)), .init("until_ms", optional(filter.until)),
            .init("conversation", filter.conversation.map(JSONValue.string) ?? .null),
            .init("rule", filter.rule.map { .string($0.rawValue) } ?? .null),
        ])))
        members.append(.init("previous_hash", .string(MosesLedgerRecord.zeroHash)))
        let unsealed = StoredLedgerRow.wrap(members)
        members.append(.init("hash", .string(unsealed.computedHash)))
        return StoredLedgerRow.wrap(members)
    }

    /// Reads a header back from a ledger line's record; nil when the record is not one.
    package init?(_ record: MosesLedgerRecord) {
        guard record.string("event") == Self.event, let store = record.string("source_store"),
            let headHash = record.string("source_head_hash"),
            let headSeq = record.object["source_head_seq"]?.int64Value
        else { return nil }
        let filter = record.object["filter"]
        self.init(
            sourceStore: store, headSeq: headSeq, headHash: headHash,
            sourceRows: Int(clamping: record.object["source_rows"]?.int64Value ?? 0),
            sourceBreak: record.object["source_chain_intact"] == .bool(true)
                ? nil : (record.string("source_first_break") ?? "the source chain was not intact"),
            filter: LedgerExportFilter(
                since: filter?["since_ms"]?.int64Value, until: filter?["until_ms"]?.int64Value,
                conversation: filter?["conversation"]?.stringValue,
                rule: filter?["rule"]?.stringValue.flatMap(RuleID.init(rawValue:))))
    }

    /// The filter as `name=value` words, `none` when empty.
    package var filterDescription: String {
        var words: [String] = []
        if let since = filter.since { words.append("since_ms=\(since)") }
        if let until = filter.until { words.append("until_ms=\(until)") }
        if let conversation = filter.conversation { words.append("conversation=\(conversation)") }
        if let rule = filter.rule { words.append("rule=\(rule.rawValue)") }
        return words.isEmpty ? "none" : words.joined(separator: " ")
    }

    package var description: String {
        "derived from store \(sourceStore) at head \(headHash) (seq \(headSeq), \(sourceRows) rows), filter \(filterDescription)"
    }
}
