/// One problem found in a configuration file: what kind (a stable code), how bad, where
/// (key path, line, column) and why.
///
/// Diagnostics never carry secrets: a value is quoted only when it cannot be one.
package struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// Errors make a configuration invalid; warnings are reported and the file still loads.
    package enum Severity: String, Sendable {
        case error
        case warning
    }

    /// A stable identifier of the kind of problem, for scripts and tests. Grows over time.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        package let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The file is not valid YAML.
        package static let syntax = Code("syntax")
        /// A key the schema does not know (often a typo).
        package static let unknownKey = Code("unknown-key")
        /// The same key twice in one mapping.
        package static let duplicateKey = Code("duplicate-key")
        /// A value of the wrong YAML type (a string where a number belongs, …).
        package static let wrongType = Code("wrong-type")
        /// A number outside its allowed range.
        package static let outOfRange = Code("out-of-range")
        /// A role name other than primary, secondary, observer.
        package static let unknownRole = Code("unknown-role")
        /// A governance mode name the family does not define.
        package static let unknownMode = Code("unknown-mode")
        /// An enumerated setting with a value outside its set (e.g. `overflow`).
        package static let unknownValue = Code("unknown-value")
        /// A sequence or list that repeats an entry.
        package static let duplicateEntry = Code("duplicate-entry")
        /// A malformed URL or address.
        package static let invalidAddress = Code("invalid-address")
        /// A path that must be absolute (or `~/…`) is not.
        package static let relativePath = Code("relative-path")
        /// A secret written into the file instead of a file reference.
        package static let inlineSecret = Code("inline-secret")
        /// A required value is empty.
        package static let emptyValue = Code("empty-value")
        /// `~` is used but no home directory is known.
        package static let unknownHome = Code("unknown-home")
        /// A file the configuration names does not exist (yet).
        package static let missingFile = Code("missing-file")
        /// A file the configuration names exists but this user cannot use it.
        package static let inaccessibleFile = Code("inaccessible-file")
        /// A setting is accepted but probably not what the operator wants.
        package static let questionable = Code("questionable")

        package var description: String { rawValue }
    }

    package var severity: Severity
    package var code: Code
    /// The dotted key path of the offending value (`store.batch_rows`), or "" for the file.
    package var keyPath: String
    /// 1-based line of the offending key or value, when known.
    package var line: Int?
    /// 1-based column (in Unicode scalars), when known.
    package var column: Int?
    /// What is wrong and, where possible, how to fix it.
    package var reason: String

    package init(_ severity: Severity, _ code: Code, at keyPath: String, line: Int?, column: Int?, _ reason: String) {
        self.severity = severity
        self.code = code
        self.keyPath = keyPath
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `12:3: error[unknown-key] store.batch_row: …`
    package var description: String {
        var position = ""
        if let line {
            position = "\(line):\(column ?? 1): "
        }
        let key = keyPath.isEmpty ? "" : "\(keyPath): "
        return "\(position)\(severity.rawValue)[\(code)] \(key)\(reason)"
    }
}

/// Why a configuration could not be loaded or was refused.
package enum ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file could not be read (missing, permissions, not UTF-8).
    case unreadable(path: String, reason: String)
    /// The file was read and has at least one error; `diagnostics` holds them all,
    /// warnings included.
    case invalid(path: String, diagnostics: [ConfigDiagnostic])

    package var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read configuration \(path): \(reason)"
        case .invalid(let path, let diagnostics):
            let errors = diagnostics.filter { $0.severity == .error }
            let lines = errors.map { "  \(path):\($0)" }.joined(separator: "\n")
            return "configuration \(path) is invalid (\(errors.count) error\(errors.count == 1 ? "" : "s")):\n\(lines)"
        }
    }
}
