/// A JSON value that keeps what a hash over it depends on: object members in source order
/// (duplicates included), numbers as their source text, strings decoded.
///
/// Used for MO§ES ledger lines and capture wrappers, not on the per-frame hot path (that is
/// `FrameScanner`). A value type: any thread. Not `indirect`: arrays and member lists
/// already live on the heap, so strings and numbers need no box of their own.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as written in the source (`1`, `-0.5`, `1e3`), so it re-serializes exactly.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in source order.
    case object([Member])

    /// One `"key": value` pair of an object.
    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: JSONValue

        package init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value of the first member named `key`, when this is an object. O(members).
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The string, when this is a string.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The members, when this is an object.
    package var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The number as an integer, when this is a number written without fraction or exponent
    /// that fits in 64 bits.
    package var int64Value: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// True for `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
