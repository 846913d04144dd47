import FoundationEssentials
import Governance
import Runtime

/// The schema reader's short names for the composed YAML it reads.
private typealias Node = YAMLNode
private typealias Mark = YAMLMark

/// The outcome of loading one configuration: the configuration when there is no error,
/// and every error and warning found, in file order.
package struct ConfigLoadResult: Sendable {
    /// The loaded configuration, or nil when any diagnostic is an error.
    package var config: CoordinatorConfig?
    /// All problems, errors and warnings, sorted by position.
    package var diagnostics: [ConfigDiagnostic]
    /// Where each key path was written in the file (line, column), for later checks.
    package var positions: [String: (line: Int, column: Int)]

    package var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }
    package var warnings: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .warning } }
    package var isValid: Bool { config != nil }
}

/// Reads a coordinator configuration file (YAML) into a `CoordinatorConfig`, gathering
/// every problem with its code, key path, line and column instead of stopping at the first.
///
/// Stateless and `Sendable`: any thread may use one loader.
package struct ConfigLoader: Sendable {
    /// What `~` stands for in paths (the `HOME` of the user running the coordinator), or
    /// nil if unknown, in which case a `~` path is an error.
    package var home: String?

    package init(home: String?) {
        self.home = home
    }

    /// A loader whose `~` is `$HOME` of this process.
    package static func fromEnvironment() -> ConfigLoader {
        ConfigLoader(home: ProcessInfo.processInfo.environment["HOME"])
    }

    /// Loads the file at `path`.
    ///
    /// - Returns: the configuration (if valid) and all diagnostics.
    /// - Throws: `ConfigError.unreadable` when the file cannot be read at all.
    package func load(contentsOf path: String) throws(ConfigError) -> ConfigLoadResult {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: Self.describe(error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        return load(text: text)
    }

    /// Loads a configuration from YAML text.
    package func load(text: String) -> ConfigLoadResult {
        let reader = SchemaReader(home: home)
        let config = reader.read(text: text)
        let sorted = reader.diagnostics.enumerated().sorted { a, b in
            let la = a.element.line ?? 0, lb = b.element.line ?? 0
            if la != lb { return la < lb }
            let ca = a.element.column ?? 0, cb = b.element.column ?? 0
            if ca != cb { return ca < cb }
            return a.offset < b.offset
        }.map(\.element)
        let hasError = sorted.contains { $0.severity == .error }
        return ConfigLoadResult(config: hasError ? nil : config, diagnostics: sorted, positions: reader.positions)
    }

    private static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile: return "no such file"
            case .fileReadNoPermission: return "permission denied"
            default: return "\(cocoa.code)"
            }
        }
        return "\(error)"
    }
}

/// The schema: every key the file may hold, its type and range, and how it maps onto
/// `CoordinatorConfig`. One instance per load; not thread-safe.
private final class SchemaReader {
    let home: String?
    var diagnostics: [ConfigDiagnostic] = []
    var positions: [String: (line: Int, column: Int)] = [:]

    init(home: String?) {
        self.home = home
    }

    // MARK: Top level

    func read(text: String) -> CoordinatorConfig {
        var config = CoordinatorConfig.defaults(home: home ?? "~")
        guard readDocument(text, into: &config) else { return config }
        if home == nil, config.moses.ledgerPath.hasPrefix("~") || config.moses.statePath.hasPrefix("~") {
            // Defaults with `~` only matter when the file did not override them.
            diagnostics.append(ConfigDiagnostic(
                .error, .unknownHome, at: "moses", line: nil, column: nil,
                "HOME is not set, so the default MO§ES paths under ~/.openclaw cannot be resolved; set moses.ledger_path and moses.state_path"))
        }
        return config
    }

    /// Applies the document to `config`; false when it is not valid YAML.
    private func readDocument(_ text: String, into config: inout CoordinatorConfig) -> Bool {
        let root: Node?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            report(syntax: error)
            return false
        }
        guard let root else { return true }  // an empty file: all defaults
        if case .scalar(let scalar) = root, scalar.tagName == .null { return true }
        guard let top = mapping(root, at: "", keys: [
            "gateway", "moses", "roles", "sequence", "audit", "rules", "store", "notifications", "metrics", "log_level",
        ]) else { return true }

        if let node = top["gateway"] { readGateway(node, into: &config.gateway) }
        if let node = top["moses"] { readMoses(node, into: &config.moses) }
        if let node = top["roles"] { readRoles(node, into: &config.policy) }
        if let node = top["sequence"] { readSequence(node, into: &config.policy) }
        if let node = top["audit"] { readAudit(node, into: &config.policy) }
        if let node = top["rules"] { readRules(node, into: &config.policy) }
        if let node = top["store"] { readStore(node, into: &config.store) }
        if let node = top["notifications"] { readNotifications(node, into: &config.notifications) }
        if let node = top["metrics"] { readMetrics(node, into: &config.metrics) }
        if let node = top["log_level"] { readLogLevel(node, into: &config.logLevel) }
        return true
    }

    private func readLogLevel(_ node: Node, into logLevel: inout LogLevel) {
        guard let name = string(node, at: "log_level") else { return }
        if let level = LogLevel(rawValue: name.lowercased()) {
            logLevel = level
        } else {
            error(.unknownValue, at: "log_level", node,
                  "unknown log level \"\(name)\"; expected one of \(Self.list(LogLevel.allCases.map(\.rawValue)))")
        }
    }

    private func readGateway(_ node: Node, into gateway: inout GatewaySettings) {
        guard let map = mapping(node, at: "gateway", keys: [
            "url", "token_file", "identity_path", "token", "password", "restart_resync_window_ms", "restart_resync_conversations",
        ]) else { return }
        for secret in ["token", "password"] {
            if let value = map[secret] {
                let mark = map.keyMark(secret) ?? value.mark
                diagnostics.append(ConfigDiagnostic(
                    .error, .inlineSecret, at: "gateway.\(secret)", line: mark.line, column: mark.column,
                    "a \(secret) may not be written into the configuration file; put it in a file readable only by the service user (mode 0640, group _moses-coordinator) and name that file in gateway.token_file"))
            }
        }
        if let value = map["url"], let url = string(value, at: "gateway.url") {
            if let problem = Self.webSocketURLProblem(url) {
                error(.invalidAddress, at: "gateway.url", value, problem)
            } else {
                gateway.url = url
            }
        }
        if let value = map["token_file"] { gateway.tokenFile = optionalPath(value, at: "gateway.token_file") }
        if let value = map["identity_path"], let path = path(value, at: "gateway.identity_path") { gateway.identityPath = path }
        if let value = map["restart_resync_window_ms"],
           let window = integer(value, at: "gateway.restart_resync_window_ms", in: 0...31_536_000_000) {
            gateway.restartResyncWindowMs = window
        }
        if let value = map["restart_resync_conversations"],
           let count = integer(value, at: "gateway.restart_resync_conversations", in: 0...100_000) {
            gateway.restartResyncConversations = Int(count)
        }
    }

    private func readMoses(_ node: Node, into moses: inout MosesSettings) {
        guard let map = mapping(node, at: "moses", keys: ["ledger_path", "state_path", "ledger_append"]) else { return }
        if let value = map["ledger_path"], let path = path(value, at: "moses.ledger_path") { moses.ledgerPath = path }
        if let value = map["state_path"], let path = path(value, at: "moses.state_path") { moses.statePath = path }
        if let value = map["ledger_append"], let flag = bool(value, at: "moses.ledger_append") { moses.appendsToLedger = flag }
    }

    private func readRoles(_ node: Node, into policy: inout Policy) {
        guard let map = mapping(node, at: "roles", keys: nil) else { return }
        var roles: [String: Role] = [:]
        var seen: [String: String] = [:]
        for (keyNode, value) in map.pairs {
            guard let agent = keyNode.scalar?.string, !agent.isEmpty else {
                error(.emptyValue, at: "roles", keyNode, "an agent id must be a non-empty string")
                continue
            }
            let keyPath = "roles.\(agent)"
            let lowered = agent.lowercased()
            if let earlier = seen[lowered], earlier != agent {
                error(.duplicateKey, at: keyPath, keyNode,
                      "agent ids are compared ignoring case, and \"\(earlier)\" is already mapped")
                continue
            }
            seen[lowered] = agent
            guard let name = string(value, at: keyPath) else { continue }
            guard let role = Role(normalizing: name) else {
                error(.unknownRole, at: keyPath, value,
                      "unknown role \"\(name)\"; expected one of \(Self.list(Role.allCases.map(\.rawValue)))")
                continue
            }
            roles[lowered] = role
        }
        policy.roles = roles
    }

    private func readSequence(_ node: Node, into policy: inout Policy) {
        guard let items = sequence(node, at: "sequence") else { return }
        var roles: [Role] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let keyPath = "sequence[\(index)]"
            guard let name = string(item, at: keyPath) else { ok = false; continue }
            guard let role = Role(normalizing: name) else {
                error(.unknownRole, at: keyPath, item,
                      "unknown role \"\(name)\"; expected one of \(Self.list(Role.allCases.map(\.rawValue)))")
                ok = false
                continue
            }
            if roles.contains(role) {
                error(.duplicateEntry, at: keyPath, item, "\(role.rawValue) appears twice in the sequence")
                ok = false
                continue
            }
            roles.append(role)
        }
        if items.isEmpty {
            error(.emptyValue, at: "sequence", node, "the sequence needs at least one role")
            ok = false
        }
        if ok { policy.sequence = roles }
    }

    private func readAudit(_ node: Node, into policy: inout Policy) {
        guard let map = mapping(node, at: "audit", keys: ["slack_ms", "grace_ms", "command_marker"]) else { return }
        if let value = map["slack_ms"], let ms = integer(value, at: "audit.slack_ms", in: 0...3_600_000) {
            policy.auditSlackMs = ms
        }
        if let value = map["grace_ms"], let ms = integer(value, at: "audit.grace_ms", in: 0...3_600_000) {
            policy.auditGraceMs = ms
        }
        if let value = map["command_marker"], let marker = nonEmptyString(value, at: "audit.command_marker") {
            policy.auditCommandMarker = marker
        }
    }

    private func readRules(_ node: Node, into policy: inout Policy) {
        guard let map = mapping(node, at: "rules", keys: [
            "mutating_tools", "outbound_tools", "confirmation_word", "repetition_threshold",
            "drift_repeat_limit", "conversation_idle_ms", "prohibited_patterns",
        ]) else { return }
        if let value = map["mutating_tools"], let tools = stringList(value, at: "rules.mutating_tools") {
            policy.mutatingTools = Set(tools)
        }
        if let value = map["outbound_tools"], let tools = stringList(value, at: "rules.outbound_tools") {
            policy.outboundTools = Set(tools)
        }
        if let value = map["confirmation_word"], let word = nonEmptyString(value, at: "rules.confirmation_word") {
            policy.confirmationWord = word
        }
        if let value = map["repetition_threshold"],
           let threshold = real(value, at: "rules.repetition_threshold", in: 0...1) {
            policy.repetitionThreshold = threshold
        }
        // The engine counts strikes in one byte per rule (ConversationState): a limit past 255
        // could never be reached.
        if let value = map["drift_repeat_limit"], let limit = integer(value, at: "rules.drift_repeat_limit", in: 1...255) {
            policy.driftRepeatLimit = Int(limit)
        }
        if let value = map["conversation_idle_ms"],
           let ms = integer(value, at: "rules.conversation_idle_ms", in: 1_000...(30 * 86_400_000)) {
            policy.conversationIdleMs = ms
        }
        if let value = map["prohibited_patterns"] { readPatterns(value, into: &policy) }
    }

    private func readPatterns(_ node: Node, into policy: inout Policy) {
        guard let map = mapping(node, at: "rules.prohibited_patterns", keys: nil) else { return }
        for (keyNode, value) in map.pairs {
            let name = keyNode.scalar?.string ?? ""
            let keyPath = "rules.prohibited_patterns.\(name)"
            guard let mode = Mode(normalizing: name) else {
                error(.unknownMode, at: keyPath, keyNode,
                      "unknown mode \"\(name)\"; expected one of \(Self.list(Mode.allCases.map(\.rawValue)))")
                continue
            }
            guard let items = sequence(value, at: keyPath) else { continue }
            var patterns: [ProhibitedPattern] = []
            var names: Set<String> = []
            var ok = true
            for (index, item) in items.enumerated() {
                let itemPath = "\(keyPath)[\(index)]"
                guard let pattern = readPattern(item, at: itemPath) else { ok = false; continue }
                if !names.insert(pattern.name).inserted {
                    error(.duplicateEntry, at: "\(itemPath).name", item, "pattern name \"\(pattern.name)\" is used twice in \(mode.rawValue)")
                    ok = false
                    continue
                }
                patterns.append(pattern)
            }
            if ok { policy.prohibitedPatterns[mode] = patterns }
        }
    }

    private func readPattern(_ node: Node, at keyPath: String) -> ProhibitedPattern? {
        guard let map = mapping(node, at: keyPath, keys: [
            "name", "phrases", "token_prefixes", "minimum_token_length", "exemptions",
        ]) else { return nil }
        let before = errorCount
        var name = ""
        if let value = map["name"] {
            name = nonEmptyString(value, at: "\(keyPath).name") ?? ""
        } else {
            error(.emptyValue, at: "\(keyPath).name", node, "every pattern needs a name")
        }
        let phrases = map["phrases"].flatMap { stringList($0, at: "\(keyPath).phrases") } ?? []
        let prefixes = map["token_prefixes"].flatMap { stringList($0, at: "\(keyPath).token_prefixes") } ?? []
        let exemptions = map["exemptions"].flatMap { stringList($0, at: "\(keyPath).exemptions") } ?? []
        var minimum = 20
        if let value = map["minimum_token_length"],
           let length = integer(value, at: "\(keyPath).minimum_token_length", in: 1...4_096) {
            minimum = Int(length)
        }
        if phrases.isEmpty && prefixes.isEmpty && errorCount == before {
            warning(.questionable, at: keyPath, node, "pattern \"\(name)\" has no phrases and no token_prefixes, so it never fires")
        }
        guard errorCount == before else { return nil }
        return ProhibitedPattern(name: name, phrases: phrases, tokenPrefixes: prefixes,
                                 minimumTokenLength: minimum, exemptions: exemptions)
    }

    private func readStore(_ node: Node, into store: inout StoreSettings) {
        guard let map = mapping(node, at: "store", keys: [
            "path", "batch_rows", "batch_ms", "queue_capacity", "overflow", "retention_days", "spool_dir",
        ]) else { return }
        if let value = map["path"], let path = path(value, at: "store.path") { store.path = path }
        if let value = map["batch_rows"], let rows = integer(value, at: "store.batch_rows", in: 1...100_000) {
            store.batchRows = Int(rows)
        }
        if let value = map["batch_ms"], let ms = integer(value, at: "store.batch_ms", in: 1...60_000) {
            store.batchMs = Int(ms)
        }
        if let value = map["queue_capacity"], let capacity = integer(value, at: "store.queue_capacity", in: 1...10_000_000) {
            store.queueCapacity = Int(capacity)
        }
        if let value = map["overflow"], let name = string(value, at: "store.overflow") {
            if let policy = OverflowPolicy(rawValue: name.lowercased()) {
                store.overflow = policy
            } else {
                error(.unknownValue, at: "store.overflow", value,
                      "unknown overflow policy \"\(name)\"; expected one of \(Self.list(OverflowPolicy.allCases.map(\.rawValue)))")
            }
        }
        if let value = map["spool_dir"] { store.spoolDir = optionalPath(value, at: "store.spool_dir") }
        if let value = map["retention_days"], let days = integer(value, at: "store.retention_days", in: 0...36_500) {
            store.retentionDays = Int(days)
        }
        if store.queueCapacity < store.batchRows, map["queue_capacity"] != nil || map["batch_rows"] != nil {
            warning(.questionable, at: "store.queue_capacity", map["queue_capacity"] ?? node,
                    "queue_capacity (\(store.queueCapacity)) is smaller than batch_rows (\(store.batchRows)), so batches never fill")
        }
    }

    private func readNotifications(_ node: Node, into notifications: inout NotificationSettings) {
        guard let map = mapping(node, at: "notifications", keys: ["webhook_url", "exec_program", "suppression_window_ms"]) else { return }
        if let value = map["webhook_url"] {
            if isNull(value) {
                notifications.webhookURL = nil
            } else if let url = string(value, at: "notifications.webhook_url") {
                if let problem = Self.httpURLProblem(url) {
                    error(.invalidAddress, at: "notifications.webhook_url", value, problem)
                } else {
                    notifications.webhookURL = url
                }
            }
        }
        if let value = map["exec_program"] {
            notifications.execProgram = optionalPath(value, at: "notifications.exec_program", allowTilde: false)
        }
        if let value = map["suppression_window_ms"],
           let ms = integer(value, at: "notifications.suppression_window_ms", in: 0...86_400_000) {
            notifications.suppressionWindowMs = ms
        }
    }

    private func readMetrics(_ node: Node, into metrics: inout MetricsSettings) {
        guard let map = mapping(node, at: "metrics", keys: ["address"]) else { return }
        guard let value = map["address"] else { return }
        if isNull(value) { metrics.address = nil; return }
        guard let address = string(value, at: "metrics.address") else { return }
        switch Self.parseHostPort(address) {
        case .failure(let problem):
            error(.invalidAddress, at: "metrics.address", value, problem.text)
        case .success(let (host, _)):
            if !Self.isLoopback(host) {
                warning(.questionable, at: "metrics.address", value,
                        "\(host) is not a loopback address; /metrics has no authentication")
            }
            metrics.address = address
        }
    }

    // MARK: Typed access

    /// A mapping's entries by key, plus the key nodes (for positions).
    struct Entries {
        var pairs: [(key: Node, value: Node)]
        var byKey: [String: Node] = [:]
        var keyNodes: [String: Node] = [:]
        subscript(key: String) -> Node? { byKey[key] }
        func keyMark(_ key: String) -> Mark? { keyNodes[key]?.mark }
    }

    private var errorCount: Int { diagnostics.count { $0.severity == .error } }

    private func mapping(_ node: Node, at keyPath: String, keys: [String]?) -> Entries? {
        guard case .mapping(let mapping) = node else {
            if isNull(node) { return Entries(pairs: []) }  // `section:` with nothing under it
            error(.wrongType, at: keyPath, node, "expected a mapping (key: value lines), found \(Self.kind(of: node))")
            return nil
        }
        var entries = Entries(pairs: [])
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error(.wrongType, at: keyPath, key, "keys must be plain strings")
                continue
            }
            let childPath = keyPath.isEmpty ? name : "\(keyPath).\(name)"
            if entries.keyNodes[name] != nil {
                let first = entries.keyNodes[name]?.mark
                error(.duplicateKey, at: childPath, key,
                      "\(name) is already set\(first.map { " on line \($0.line)" } ?? ""); YAML keeps only one")
                continue
            }
            if let keys, !keys.contains(name) {
                error(.unknownKey, at: childPath, key, "unknown key \(Self.suggestion(for: name, among: keys))")
                continue
            }
            positions[childPath] = (key.mark.line, key.mark.column)
            entries.keyNodes[name] = key
            entries.byKey[name] = value
            entries.pairs.append((key, value))
        }
        return entries
    }

    private func sequence(_ node: Node, at keyPath: String) -> [Node]? {
        if case .sequence(let items) = node { return Array(items) }
        error(.wrongType, at: keyPath, node, "expected a list, found \(Self.kind(of: node))")
        return nil
    }

    private func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.tagName == .null { return true }
        return false
    }

    private func string(_ node: Node, at keyPath: String) -> String? {
        guard case .scalar(let scalar) = node, scalar.tagName != .null else {
            error(.wrongType, at: keyPath, node, "expected a string, found \(Self.kind(of: node))")
            return nil
        }
        return scalar.string
    }

    private func nonEmptyString(_ node: Node, at keyPath: String) -> String? {
        guard let text = string(node, at: keyPath) else { return nil }
        // Blank means only tabs and space separators (Foundation's `.whitespaces`).
        guard !text.unicodeScalars.allSatisfy({ $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }) else {
            error(.emptyValue, at: keyPath, node, "must not be empty")
            return nil
        }
        return text
    }

    private func stringList(_ node: Node, at keyPath: String) -> [String]? {
        guard let items = sequence(node, at: keyPath) else { return nil }
        var result: [String] = []
        var ok = true
        for (index, item) in items.enumerated() {
            guard let text = nonEmptyString(item, at: "\(keyPath)[\(index)]") else { ok = false; continue }
            if result.contains(text) {
                warning(.duplicateEntry, at: "\(keyPath)[\(index)]", item, "\"\(text)\" is listed twice")
                continue
            }
            result.append(text)
        }
        return ok ? result : nil
    }

    private func bool(_ node: Node, at keyPath: String) -> Bool? {
        guard case .scalar(let scalar) = node, scalar.tagName == .bool, let value = scalar.boolValue else {
            error(.wrongType, at: keyPath, node, "expected true or false, found \(Self.kind(of: node))")
            return nil
        }
        return value
    }

    private func integer(_ node: Node, at keyPath: String, in range: ClosedRange<Int64>) -> Int64? {
        if rejectsBase60(node, at: keyPath) { return nil }
        guard case .scalar(let scalar) = node, scalar.tagName == .int else {
            error(.wrongType, at: keyPath, node, "expected a whole number, found \(Self.kind(of: node))")
            return nil
        }
        guard let value = scalar.int64Value else {
            error(.outOfRange, at: keyPath, node, "\(scalar.string.prefix(24)) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        guard range.contains(value) else {
            error(.outOfRange, at: keyPath, node, "\(value) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return value
    }

    private func real(_ node: Node, at keyPath: String, in range: ClosedRange<Double>) -> Double? {
        if rejectsBase60(node, at: keyPath) { return nil }
        guard case .scalar(let scalar) = node, scalar.tagName == .float || scalar.tagName == .int,
              let value = scalar.doubleValue ?? scalar.int64Value.map(Double.init) else {
            error(.wrongType, at: keyPath, node, "expected a number, found \(Self.kind(of: node))")
            return nil
        }
        guard range.contains(value) else {
            error(.outOfRange, at: keyPath, node, "\(value) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return value
    }

    /// True (after reporting an error) for a YAML 1.1 base-60 number (`1:30:00`): a dozen
    /// parts multiplied out overflow 64 bits (Yams, the earlier reader, trapped on them), and
    /// no setting here is written that way.
    private func rejectsBase60(_ node: Node, at keyPath: String) -> Bool {
        guard case .scalar(let scalar) = node, scalar.tagName == .int || scalar.tagName == .float,
              scalar.string.contains(":") else { return false }
        error(.outOfRange, at: keyPath, node, "base-60 numbers (\(scalar.string.prefix(24))) are not accepted; write the value in decimal")
        return true
    }

    /// An absolute path, or `~/…` expanded with the home directory.
    private func path(_ node: Node, at keyPath: String, allowTilde: Bool = true) -> String? {
        guard let text = nonEmptyString(node, at: keyPath) else { return nil }
        if text.hasPrefix("/") { return text }
        if allowTilde, text == "~" || text.hasPrefix("~/") {
            guard let home else {
                error(.unknownHome, at: keyPath, node, "HOME is not set, so \(text) cannot be resolved; write an absolute path")
                return nil
            }
            return CoordinatorConfig.expandingTilde(text, home: home)
        }
        error(.relativePath, at: keyPath, node,
              "\"\(text)\" is relative; write an absolute path\(allowTilde ? " or one starting with ~/" : "")")
        return nil
    }

    private func optionalPath(_ node: Node, at keyPath: String, allowTilde: Bool = true) -> String? {
        isNull(node) ? nil : path(node, at: keyPath, allowTilde: allowTilde)
    }

    // MARK: Reporting

    private func error(_ code: ConfigDiagnostic.Code, at keyPath: String, _ node: Node, _ reason: String) {
        diagnostics.append(ConfigDiagnostic(.error, code, at: keyPath, line: node.mark.line, column: node.mark.column, reason))
    }

    private func warning(_ code: ConfigDiagnostic.Code, at keyPath: String, _ node: Node, _ reason: String) {
        diagnostics.append(ConfigDiagnostic(.warning, code, at: keyPath, line: node.mark.line, column: node.mark.column, reason))
    }

    private func report(syntax error: YAMLError) {
        switch error {
        case .malformed(let reason, let mark):
            diagnostics.append(ConfigDiagnostic(.error, .syntax, at: "", line: mark?.line, column: mark?.column, reason))
        case .duplicateKeys(let duplicates, let mark):
            // Duplicate keys are refused while composing, before the schema sees them.
            let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            diagnostics.append(ConfigDiagnostic(
                .error, .duplicateKey, at: duplicates.count == 1 ? duplicates[0] : "", line: mark.line,
                column: mark.column, "\(names) set more than once in the same mapping; YAML keeps only one"))
        }
    }

    // MARK: Helpers

    private static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch scalar.tagName {
            case .null: return "nothing (null)"
            case .bool: return "a boolean (\(scalar.string))"
            case .int: return "a whole number (\(scalar.string))"
            case .float: return "a number (\(scalar.string))"
            // Strings are not quoted back: the value may be a secret typed in the wrong place.
            default: return "a string"
            }
        }
    }

    private static func list(_ names: [String]) -> String {
        names.joined(separator: ", ")
    }

    private static func suggestion(for name: String, among keys: [String]) -> String {
        let close = keys.min { distance(name, $0) < distance(name, $1) }
        if let close, distance(name, close) <= max(2, name.count / 3) {
            return "\"\(name)\"; did you mean \"\(close)\"?"
        }
        return "\"\(name)\"; expected one of \(list(keys))"
    }

    /// Levenshtein distance, for "did you mean" (keys are short).
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func webSocketURLProblem(_ url: String) -> String? {
        guard let (scheme, rest) = splitScheme(url), scheme == "ws" || scheme == "wss" else {
            return "expected a ws:// or wss:// URL"
        }
        return authorityProblem(rest)
    }

    static func httpURLProblem(_ url: String) -> String? {
        guard let (scheme, rest) = splitScheme(url), scheme == "http" || scheme == "https" else {
            return "expected an http:// or https:// URL"
        }
        return authorityProblem(rest)
    }

    private static func splitScheme(_ url: String) -> (String, Substring)? {
        guard let range = url.firstRange(of: "://") else { return nil }
        return (url[..<range.lowerBound].lowercased(), url[range.upperBound...])
    }

    private static func authorityProblem(_ rest: Substring) -> String? {
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        if hostPort.isEmpty { return "the URL has no host" }
        if case .failure(let problem) = parseHostPort(String(hostPort), portRequired: false) { return problem.text }
        return nil
    }

    struct AddressProblem: Error { var text: String }

    /// Splits `host:port` (`[v6]:port` for IPv6) with `HostPort`, wording its problems for
    /// the configuration's diagnostics.
    static func parseHostPort(_ text: String, portRequired: Bool = true) -> Result<(String, Int?), AddressProblem> {
        // A listening address may ask for port 0: any free port, which the daemon logs.
        let lowest = portRequired ? 0 : 1
        let parsed: HostPort
        do {
            parsed = try HostPort(parsing: Substring(text), allowsPortZero: portRequired)
        } catch {
            switch error {
            case .unclosedBracket: return .failure(AddressProblem(text: "unclosed [ in \(text)"))
            case .junkAfterBracket: return .failure(AddressProblem(text: "expected :port after ] in \(text)"))
            case .noHost: return .failure(AddressProblem(text: "no host in \"\(text)\""))
            case .badPort(let portText):
                return .failure(AddressProblem(text: "port \"\(portText)\" is not a number in \(lowest)…65535"))
            }
        }
        if parsed.port == nil && portRequired {
            return .failure(AddressProblem(text: "expected host:port, e.g. 127.0.0.1:9464"))
        }
        return .success((parsed.host, parsed.port))
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
