import Crypto
import Governance

extension MosesLedgerRecord {
    /// The `hash` of an `audit_stub.py` entry with these fields, computed without building a
    /// `JSONValue`: the canonical form written directly, keys in their sorted order. Equal to
    /// hashing `make(…)`'s members generically (tested), at a fraction of the cost; the store
    /// chains one such hash per violation.
    ///
    /// - Returns: the lowercase hex SHA-256 of the canonical form.
    package static func entryHash(
        timestamp: String, agent: String, component: String, action: String, detail: String,
        outcome: String, state: GovernanceState, sessionHash: String?, previousHash: String
    ) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + detail.utf8.count)
        // Python's sort_keys order (by code point) of the entry's keys.
        func member(_ key: StaticString, _ value: String?, first: Bool = false) {
            bytes.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            bytes.append(UInt8(ascii: "\""))
            key.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            if let value {
                JSONValue.appendString(value, to: &bytes, asciiOnly: false)
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
        }
        member("action", action, first: true)
        member("agent", agent)
        member("component", component)
        member("detail", detail)
        member("mode", state.mode.rawValue)
        member("outcome", outcome)
        member("posture", state.posture.rawValue)
        member("previous_hash", previousHash)
        member("role", state.role.rawValue)
        member("session_hash", sessionHash)
        member("timestamp", timestamp)
        bytes.append(UInt8(ascii: "}"))
        return hexString(SHA256.hash(data: bytes))
    }
}
