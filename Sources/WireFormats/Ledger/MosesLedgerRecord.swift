import Crypto
import Governance

/// One line of the MO§ES `audit_ledger.jsonl`: an audit entry written by `audit_stub.py log`
/// (`timestamp, agent, component, action, detail, outcome, mode, posture, role, session_hash,
/// previous_hash, hash`, optionally `isnad` and `attestation`), or a lineage genesis line
/// (`event:"genesis", lineage_anchor, …, previous_hash, anchored_at, hash`: no timestamp,
/// agent or action).
///
/// The record keeps every member as parsed, in file order, so its canonical hash covers
/// exactly what the writer hashed, unknown fields included. A value type: any thread.
package struct MosesLedgerRecord: Sendable, Equatable {
    /// The entry as written, `hash` included.
    package private(set) var object: JSONValue

    /// The genesis value of `previous_hash` for a ledger that was never anchored.
    package static let zeroHash = String(repeating: "0", count: 64)
    /// `MOSES_ANCHOR`: the genesis `previous_hash` after `lineage.py init`.
    package static let lineageAnchor = "5cda97fa2ad53e199618f5a610240888ae09d5a1e5e17b0d48c676d37dcda636"

    /// Parses one ledger line.
    ///
    /// - Parameter line: the line's bytes, without its newline.
    /// - Throws: `FrameError` when the line is not a JSON object.
    package init(line: some Collection<UInt8>) throws(FrameError) {
        let value = try JSONValue.parse(line)
        try self.init(object: value)
    }

    /// Parses one ledger line held in a larger buffer (a capture record's `data`).
    package init(line: UnsafeRawBufferPointer) throws(FrameError) {
        let value = try JSONValue.parse(line)
        try self.init(object: value)
    }

    /// Wraps an already parsed ledger object.
    ///
    /// - Throws: `FrameError.Code.notAnObject` when `object` is not an object.
    package init(object: JSONValue) throws(FrameError) {
        guard case .object = object else { throw FrameError(.notAnObject, at: 0) }
        self.object = object
    }

    /// Makes a new audit entry the way `audit_stub.py log` does, chained to `previousHash`,
    /// with its `hash` computed.
    ///
    /// - Parameters:
    ///   - timestamp: the entry time, written as Python's `isoformat()` in UTC.
    ///   - agent: who logs (`--agent`; the coordinator logs as `coordinator`).
    ///   - component: always `moses-governance` in the shipped script.
    ///   - action: `--action` (`sequence_violation`, …).
    ///   - detail: `--detail`; free text, no secrets.
    ///   - outcome: `--outcome` (`logged`, `blocked_and_logged`, …).
    ///   - state: the governance state in force (its mode, posture and global role are copied).
    ///   - sessionHash: `state.json`'s `session_hash`; nil in practice.
    ///   - previousHash: the last line's `hash`, or `zeroHash` for an empty ledger.
    package static func make(
        timestampMicroseconds: Int64, agent: String, component: String = "moses-governance",
        action: String, detail: String = "", outcome: String = "logged",
        state: GovernanceState, sessionHash: String? = nil, previousHash: String
    ) -> MosesLedgerRecord {
        let timestamp = LedgerTimestamp.string(fromMicroseconds: timestampMicroseconds)
        var members = auditMembers(
            timestamp: timestamp, agent: agent, component: component, action: action, detail: detail,
            outcome: outcome, mode: state.mode.rawValue, posture: state.posture.rawValue,
            role: state.role.rawValue, sessionHash: sessionHash, previousHash: previousHash)
        let hash = entryHash(
            timestamp: timestamp, agent: agent, component: component, action: action, detail: detail,
            outcome: outcome, state: state, sessionHash: sessionHash, previousHash: previousHash)
        members.append(.init("hash", .string(hash)))
        return MosesLedgerRecord(unchecked: .object(members))
    }

    private init(unchecked object: JSONValue) { self.object = object }

    /// The members of an `audit_stub.py log` entry, `hash` excepted, in the order the script
    /// writes them (the file line keeps this order; the hash sorts the keys).
    package static func auditMembers(
        timestamp: String, agent: String, component: String, action: String, detail: String,
        outcome: String, mode: String, posture: String, role: String, sessionHash: String?,
        previousHash: String
    ) -> [JSONValue.Member] {
        [
            .init("timestamp", .string(timestamp)),
            .init("agent", .string(agent)),
            .init("component", .string(component)),
            .init("action", .string(action)),
            .init("detail", .string(detail)),
            .init("outcome", .string(outcome)),
            .init("mode", .string(mode)),
            .init("posture", .string(posture)),
            .init("role", .string(role)),
            .init("session_hash", sessionHash.map(JSONValue.string) ?? .null),
            .init("previous_hash", .string(previousHash)),
        ]
    }

    // MARK: Fields

    /// A string member, or nil when absent or not a string.
    package func string(_ key: String) -> String? { object[key]?.stringValue }

    /// True for a lineage genesis line (`"event": "genesis"`).
    package var isGenesis: Bool { string("event") == "genesis" }
    /// `timestamp` as written; nil for genesis lines.
    package var timestamp: String? { string("timestamp") }
    /// `timestamp` in milliseconds since the epoch; nil when absent, unparseable or outside
    /// `GovernanceEvent.validTimes`.
    package var timestampMilliseconds: Int64? { timestamp.flatMap(LedgerTimestamp.milliseconds(from:)) }
    package var agent: String? { string("agent") }
    package var component: String? { string("component") }
    /// `action`, or `genesis` for a genesis line.
    package var action: String? { string("action") ?? (isGenesis ? "genesis" : nil) }
    package var detail: String? { string("detail") }
    package var outcome: String? { string("outcome") }
    package var mode: String? { string("mode") }
    package var posture: String? { string("posture") }
    package var role: String? { string("role") }
    package var sessionHash: String? { string("session_hash") }
    /// `previous_hash`, else the older spelling `prev_hash`.
    package var previousHash: String? { string("previous_hash") ?? string("prev_hash") }
    /// `hash` as written.
    package var hash: String? { string("hash") }
    /// The optional `isnad` object, opaque.
    package var isnad: JSONValue? { object["isnad"] }
    /// The optional `attestation` (an HMAC), opaque.
    package var attestation: JSONValue? { object["attestation"] }

    // MARK: Hashing and rendering

    /// The canonical form the MO§ES scripts hash: the entry without `hash` as
    /// `json.dumps(sort_keys=True, separators=(',',':'), ensure_ascii=False)`, UTF-8.
    package var canonicalBytes: [UInt8] {
        JSONValue.object((object.members ?? []).filter { $0.key != "hash" }).pythonJSON(.canonical)
    }

    /// SHA-256 (lowercase hex) of `canonicalBytes`: what `hash` must equal. O(size of entry).
    package var computedHash: String {
        Self.canonicalHash(of: (object.members ?? []).filter { $0.key != "hash" })
    }

    /// True when `hash` matches the entry's canonical hash.
    package var isHashValid: Bool { hash == computedHash }

    private static func canonicalHash(of members: [JSONValue.Member]) -> String {
        let bytes = JSONValue.object(members).pythonJSON(.canonical)
        return hexString(SHA256.hash(data: bytes))
    }

    /// Lowercase hex of a digest.
    package static func hexString(_ digest: some Sequence<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)  // a SHA-256 digest; `underestimatedCount` of a digest is 0
        for byte in digest {
            bytes.append(hexDigit(byte >> 4))
            bytes.append(hexDigit(byte & 0xF))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
    }

    /// The line `audit_stub.py` appends for this entry (default `json.dumps`), without newline.
    package var fileLine: String { object.pythonJSONString(.fileLine) }

    // MARK: Engine view

    /// The engine's view of this line.
    ///
    /// - Parameter line: the 1-based line number in the ledger file, when known.
    /// - Returns: agent (empty for genesis), action (`genesis` for genesis), timestamp in ms
    ///   (nil when absent or unparseable), `hash`, `previous_hash`/`prev_hash` (empty when
    ///   absent) and the recomputed canonical hash. A `timestamp` that is written but is no
    ///   valid time is flagged `hasRejectedTimestamp`, for the count.
    package func ledgerEntry(line: Int? = nil) -> LedgerEntry {
        let milliseconds = timestampMilliseconds
        let written = object["timestamp"]
        return LedgerEntry(
            agent: agent ?? "",
            action: action ?? "",
            timestamp: milliseconds,
            hash: hash ?? "",
            previousHash: previousHash ?? "",
            computedHash: computedHash,
            line: line,
            hasRejectedTimestamp: milliseconds == nil && written != nil && written?.isNull == false
        )
    }
}
