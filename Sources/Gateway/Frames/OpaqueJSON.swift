import FoundationEssentials

/// Any JSON value, Codable (unlike WireFormats' order-keeping `JSONValue`), for the few places that carry opaque JSON through (history rows,
/// scenario frames, RPC params). Not for the hot path.
package enum OpaqueJSON: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([OpaqueJSON])
    case object([String: OpaqueJSON])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([OpaqueJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: OpaqueJSON].self)) }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .integer(value): try container.encode(value)
        case let .double(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    package subscript(key: String) -> OpaqueJSON? {
        if case let .object(object) = self { return object[key] }
        return nil
    }

    package var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    package var integerValue: Int64? {
        switch self {
        case let .integer(value): return value
        // `exactly`: a whole double past 64 bits (`1e300` from the wire) is no integer, not a trap.
        case let .double(value): return Int64(exactly: value)
        default: return nil
        }
    }

    package var arrayValue: [OpaqueJSON]? {
        if case let .array(value) = self { return value }
        return nil
    }

    /// Decodes JSON text.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> OpaqueJSON? {
        try? JSONDecoder().decode(OpaqueJSON.self, from: Data(bytes))
    }

    package static func decode(_ bytes: [UInt8]) -> OpaqueJSON? {
        bytes.withUnsafeBytes { decode($0) }
    }

    /// The value as compact JSON text (keys sorted).
    package func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else {
            preconditionFailure("a OpaqueJSON holds only encodable values")
        }
        return [UInt8](data)
    }
}

extension OpaqueJSON {
    /// Converts a JSON value into a Codable type by encoding and decoding it.
    package static func reencode<T: Decodable>(_ value: OpaqueJSON, as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(value.encoded()))
    }

    /// Converts a Codable value into a JSON value.
    package static func from<T: Encodable>(_ value: T) -> OpaqueJSON {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(value), let json = try? JSONDecoder().decode(OpaqueJSON.self, from: data) else {
            preconditionFailure("protocol structs always encode")
        }
        return json
    }
}
