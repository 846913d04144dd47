import Governance
import WireFormats

/// A configuration value tree in file order, rendered as YAML (for people) or JSON (for
/// scripts). Built from a `CoordinatorConfig` by `effectiveTree()`; holds no secrets.
package indirect enum ConfigValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case real(Double)
    case string(String)
    case list([ConfigValue])
    case map([(String, ConfigValue)])

    package static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.real(let a), .real(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: return false
        }
    }
}

extension CoordinatorConfig {
    /// Every setting with its effective value, in the file's order. Credentials are never
    /// part of it: the gateway token is only referenced by `token_file`, and user
    /// information and query strings in URLs are replaced by `***`.
    package func effectiveTree() -> ConfigValue {
        let policy = self.policy
        let patternModes = Mode.allCases.filter { policy.prohibitedPatterns[$0] != nil }
        return .map([
            ("gateway", .map([
                ("url", .string(Self.redactingCredentials(in: gateway.url))),
                ("token_file", gateway.tokenFile.map(ConfigValue.string) ?? .null),
                ("identity_path", .string(gateway.identityPath)),
                ("restart_resync_window_ms", .integer(gateway.restartResyncWindowMs)),
                ("restart_resync_conversations", .integer(Int64(gateway.restartResyncConversations))),
            ])),
            ("moses", .map([
                ("ledger_path", .string(moses.ledgerPath)),
                ("state_path", .string(moses.statePath)),
                ("ledger_append", .bool(moses.appendsToLedger)),
            ])),
            ("roles", .map(policy.roles.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.rawValue)) })),
            ("sequence", .list(policy.sequence.map { .string($0.rawValue) })),
            ("audit", .map([
                ("slack_ms", .integer(policy.auditSlackMs)),
                ("grace_ms", .integer(policy.auditGraceMs)),
                ("command_marker", .string(policy.auditCommandMarker)),
            ])),
            ("rules", .map([
                ("mutating_tools", .list(policy.mutatingTools.sorted().map(ConfigValue.string))),
                ("outbound_tools", .list(policy.outboundTools.sorted().map(ConfigValue.string))),
                ("confirmation_word", .string(policy.confirmationWord)),
                ("repetition_threshold", .real(policy.repetitionThreshold)),
                ("drift_repeat_limit", .integer(Int64(policy.driftRepeatLimit))),
                ("conversation_idle_ms", .integer(policy.conversationIdleMs)),
                ("prohibited_patterns", .map(patternModes.map { mode in
                    (mode.rawValue, .list((policy.prohibitedPatterns[mode] ?? []).map { pattern in
                        .map([
                            ("name", .string(pattern.name)),
                            ("phrases", .list(pattern.phrases.map(ConfigValue.string))),
                            ("token_prefixes", .list(pattern.tokenPrefixes.map(ConfigValue.string))),
                            ("minimum_token_length", .integer(Int64(pattern.minimumTokenLength))),
                            ("exemptions", .list(pattern.exemptions.map(ConfigValue.string))),
                        ])
                    }))
                })),
            ])),
            ("store", .map([
                ("path", .string(store.path)),
                ("batch_rows", .integer(Int64(store.batchRows))),
                ("batch_ms", .integer(Int64(store.batchMs))),
                ("queue_capacity", .integer(Int64(store.queueCapacity))),
                ("overflow", .string(store.overflow.rawValue)),
                ("retention_days", .integer(Int64(store.retentionDays))),
                ("spool_dir", store.spoolDir.map(ConfigValue.string) ?? .null),
            ])),
            ("notifications", .map([
                ("webhook_url", notifications.webhookURL.map { .string(Self.redactingCredentials(in: $0)) } ?? .null),
                ("exec_program", notifications.execProgram.map(ConfigValue.string) ?? .null),
                ("suppression_window_ms", .integer(notifications.suppressionWindowMs)),
            ])),
            ("metrics", .map([
                ("address", metrics.address.map(ConfigValue.string) ?? .null),
            ])),
            ("log_level", .string(logLevel.rawValue)),
        ])
    }

    /// The effective configuration as YAML that `ConfigLoader` reads back to an equal value.
    package func renderedYAML() -> String {
        var out = ""
        effectiveTree().appendYAML(to: &out, indent: 0)
        return out
    }

    /// `url` with `user:password@` and the query string replaced by `***` (`RedactedURL`),
    /// since either may carry a credential.
    package static func redactingCredentials(in url: String) -> String {
        RedactedURL(url).description
    }
}

extension ConfigValue {
    /// Compact JSON (keys in file order).
    package func renderedJSON() -> String {
        var out = ""
        appendJSON(to: &out)
        return out
    }

    fileprivate func appendYAML(to out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .map(let entries):
            for (key, value) in entries {
                out += pad + Self.yamlKey(key) + ":"
                value.appendYAMLValue(to: &out, indent: indent)
            }
        case .list(let items):
            for item in items {
                out += pad + "-"
                if case .map(let entries) = item, !entries.isEmpty {
                    // First entry on the dash line, the rest aligned under it.
                    var nested = ""
                    item.appendYAML(to: &nested, indent: indent + 1)
                    out += " " + nested.dropFirst(pad.count + 2)
                } else {
                    item.appendYAMLValue(to: &out, indent: indent)
                }
            }
        default:
            out += pad
            appendScalar(to: &out)
            out += "\n"
        }
    }

    private func appendYAMLValue(to out: inout String, indent: Int) {
        switch self {
        case .map(let entries) where entries.isEmpty:
            out += " {}\n"
        case .list(let items) where items.isEmpty:
            out += " []\n"
        case .list(let items) where items.allSatisfy(\.isScalar):
            out += " ["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.appendScalar(to: &out)
            }
            out += "]\n"
        case .map, .list:
            out += "\n"
            appendYAML(to: &out, indent: indent + 1)
        default:
            out += " "
            appendScalar(to: &out)
            out += "\n"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .map, .list: return false
        default: return true
        }
    }

    /// Scalars are written as JSON scalars, which are valid YAML flow scalars.
    private func appendScalar(to out: inout String) {
        appendJSON(to: &out)
    }

    private static func yamlKey(_ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" || $0 == "-" || $0 == "."
        } && !["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"].contains(key.lowercased())
            && !(key.first?.isNumber ?? false)
        if plain { return key }
        var out = ""
        ConfigValue.string(key).appendJSON(to: &out)
        return out
    }

    fileprivate func appendJSON(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .real(let value):
            out += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) + ".0" : String(value)
        case .string(let text): Self.appendJSONString(text, to: &out)
        case .list(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.appendJSON(to: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{"
            for (index, (key, value)) in entries.enumerated() {
                if index > 0 { out += "," }
                Self.appendJSONString(key, to: &out)
                out += ":"
                value.appendJSON(to: &out)
            }
            out += "}"
        }
    }

    private static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
