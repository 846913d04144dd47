/// Why bytes from the wire or disk (a gateway frame, a capture line, a MO§ES ledger line)
/// were rejected, and where.
///
/// The text names the failure, the byte offset and the line, never the payload: a bad frame
/// is reported by its position only, so secrets in frames never reach logs.
package struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum, because the set will grow.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case truncated = "truncated input"
            case unexpectedByte = "unexpected byte"
            case badEscape = "bad string escape"
            case badNumber = "bad number"
            case invalidUTF8 = "invalid UTF-8 in string"
            case controlCharacter = "unescaped control character in string"
            case trailingGarbage = "trailing bytes after the value"
            case tooDeep = "nesting too deep"
            case notAnObject = "not a JSON object"
            case oversized = "line or frame too long"
            case missingField = "missing field"
            case wrongType = "field has the wrong type"
            case badValue = "field has a bad value"
            case outOfRange = "field value out of range"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The input ended inside a value.
        package static let truncated = Code(.truncated)
        /// A byte that cannot start or continue the value at this point.
        package static let unexpectedByte = Code(.unexpectedByte)
        /// A backslash escape that JSON does not define, or a lone UTF-16 surrogate.
        package static let badEscape = Code(.badEscape)
        /// A number that does not follow the JSON grammar (leading zero, bare `-`, `1.`, `1e`).
        package static let badNumber = Code(.badNumber)
        /// A string holding bytes that are not well-formed UTF-8.
        package static let invalidUTF8 = Code(.invalidUTF8)
        /// A raw byte below 0x20 inside a string.
        package static let controlCharacter = Code(.controlCharacter)
        /// Non-whitespace bytes after the top-level value.
        package static let trailingGarbage = Code(.trailingGarbage)
        /// Objects and arrays nested deeper than the parser's cap.
        package static let tooDeep = Code(.tooDeep)
        /// The top-level value is valid JSON but not an object.
        package static let notAnObject = Code(.notAnObject)
        /// The line or frame exceeds the configured length cap.
        package static let oversized = Code(.oversized)
        /// A field the format requires is absent.
        package static let missingField = Code(.missingField)
        /// A field is present with the wrong JSON type.
        package static let wrongType = Code(.wrongType)
        /// A field has the right type but a value the format does not allow.
        package static let badValue = Code(.badValue)
        /// A number (or time) outside the range the format allows, e.g. an event time past
        /// the year 9999: refused where it is parsed, so no later arithmetic can trap on it.
        package static let outOfRange = Code(.outOfRange)

        package var description: String { base.rawValue }
    }

    /// What went wrong.
    package var code: Code
    /// Byte offset in the frame or line where the problem was found.
    package var offset: Int
    /// The 1-based line of a capture or ledger file, when the bytes came from one.
    package var line: Int?
    /// The field concerned (`payload.sessionKey`, `source`), when there is one. Never a value.
    package var field: String?

    package init(_ code: Code, at offset: Int, line: Int? = nil, field: String? = nil) {
        self.code = code
        self.offset = offset
        self.line = line
        self.field = field
    }

    /// The same error, attributed to a line of a file.
    package func on(line: Int) -> FrameError {
        var copy = self
        copy.line = line
        return copy
    }

    package var description: String {
        var text = code.description
        if let field { text += " (\(field))" }
        text += " at byte \(offset)"
        if let line { text += " of line \(line)" }
        return text
    }
}
