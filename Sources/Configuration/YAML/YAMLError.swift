/// Why YAML text could not be composed into a document.
enum YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libyaml refused the text (scanner or parser), or the document breaks a composing
    /// rule (an undefined alias, a second document, nesting too deep). `reason` is libyaml's
    /// context and problem; `mark` is nil when libyaml gives no position (a reader error).
    case malformed(reason: String, mark: YAMLMark?)
    /// The same key (same text and tag) appears more than once in one mapping; `names` are
    /// the repeated keys sorted, `mark` is the first occurrence of the first of them.
    case duplicateKeys(names: [String], mark: YAMLMark)

    var description: String {
        switch self {
        case .malformed(let reason, let mark):
            return mark.map { "\($0.line):\($0.column): \(reason)" } ?? reason
        case .duplicateKeys(let names, let mark):
            return "\(mark.line):\(mark.column): duplicate keys \(names.joined(separator: ", "))"
        }
    }
}
