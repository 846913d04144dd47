import Synchronization

/// The configuration in force, swapped atomically on reload (SIGHUP).
///
/// Reload validates the new file first; an invalid or unreadable file leaves the old
/// configuration in force and is reported. Readers take a snapshot (`current`) and never
/// see a half-applied file. Thread-safe: any thread may read or reload.
package final class ConfigHolder: Sendable {
    /// What one reload did.
    package enum ReloadOutcome: Sendable {
        /// The new file is in force; `changedSections` names the top-level sections that
        /// differ (`policy`, `store`, …) and `warnings` are the new file's warnings.
        case applied(changedSections: [String], warnings: [ConfigDiagnostic])
        /// The file is valid and equal to the configuration in force.
        case unchanged(warnings: [ConfigDiagnostic])
        /// The file was refused; the previous configuration stays in force.
        case rejected(ConfigError)

        /// One line for the log (no secrets: diagnostics never quote string values).
        package var summary: String {
            switch self {
            case .applied(let sections, let warnings):
                return "configuration reloaded; changed: \(sections.joined(separator: ", "))"
                    + (warnings.isEmpty ? "" : "; \(warnings.count) warning\(warnings.count == 1 ? "" : "s")")
            case .unchanged(let warnings):
                return "configuration reloaded; nothing changed"
                    + (warnings.isEmpty ? "" : "; \(warnings.count) warning\(warnings.count == 1 ? "" : "s")")
            case .rejected(let error):
                return "configuration reload rejected, previous configuration kept: \(error)"
            }
        }
    }

    /// Monotonic reload counters (`moses_config_reloads_total`, …).
    package struct Counters: Sendable, Equatable {
        package var reloads: UInt64 = 0
        package var failures: UInt64 = 0
        /// Values out of range in the files of rejected reloads (`out-of-range` errors).
        package var rejectedValues: UInt64 = 0

        /// The counters as `/metrics` samples: the one place these names are spelled.
        package var metrics: [(name: String, value: UInt64)] {
            [
                ("moses_config_reloads_total", reloads),
                ("moses_config_reload_failures_total", failures),
                ("moses_config_rejected_values_total", rejectedValues),
            ]
        }
    }

    private struct State {
        var config: CoordinatorConfig
        var counters = Counters()
        var lastError: ConfigError?
    }

    /// The file reloads read.
    package let path: String
    private let loader: ConfigLoader
    private let state: Mutex<State>

    /// Holds `initial` (already loaded from `path`) and reloads from `path` later.
    package init(initial: CoordinatorConfig, path: String, loader: ConfigLoader) {
        self.path = path
        self.loader = loader
        self.state = Mutex(State(config: initial))
    }

    /// Loads `path` and holds it.
    ///
    /// - Throws: `ConfigError` when the file is unreadable or invalid.
    package convenience init(loadingFrom path: String, loader: ConfigLoader) throws(ConfigError) {
        let result = try loader.load(contentsOf: path)
        guard let config = result.config else { throw .invalid(path: path, diagnostics: result.diagnostics) }
        self.init(initial: config, path: path, loader: loader)
    }

    /// A snapshot of the configuration in force.
    package var current: CoordinatorConfig {
        state.withLock { $0.config }
    }

    /// Reload counters so far.
    package var counters: Counters {
        state.withLock { $0.counters }
    }

    /// Why the last rejected reload was rejected, until a reload succeeds.
    package var lastError: ConfigError? {
        state.withLock { $0.lastError }
    }

    /// Reads `path` again; swaps the new configuration in only if it is valid.
    ///
    /// The file is read and validated outside the lock, so readers are never blocked on I/O.
    package func reload() -> ReloadOutcome {
        let result: ConfigLoadResult
        do {
            result = try loader.load(contentsOf: path)
        } catch {
            return reject(error)
        }
        guard let config = result.config else {
            return reject(.invalid(path: path, diagnostics: result.diagnostics))
        }
        let old = state.withLock { state in
            let old = state.config
            state.config = config
            state.counters.reloads += 1
            state.lastError = nil
            return old
        }
        let changed = Self.changedSections(from: old, to: config)
        return changed.isEmpty ? .unchanged(warnings: result.warnings) : .applied(changedSections: changed, warnings: result.warnings)
    }

    private func reject(_ error: ConfigError) -> ReloadOutcome {
        var outOfRange = 0
        if case .invalid(_, let diagnostics) = error {
            outOfRange = diagnostics.count { $0.severity == .error && $0.code == .outOfRange }
        }
        state.withLock { state in
            state.counters.reloads += 1
            state.counters.failures += 1
            state.counters.rejectedValues += UInt64(outOfRange)
            state.lastError = error
        }
        return .rejected(error)
    }

    /// The top-level sections of the configuration that differ.
    package static func changedSections(from old: CoordinatorConfig, to new: CoordinatorConfig) -> [String] {
        var changed: [String] = []
        if old.gateway != new.gateway { changed.append("gateway") }
        if old.moses != new.moses { changed.append("moses") }
        if old.policy != new.policy { changed.append("policy") }
        if old.store != new.store { changed.append("store") }
        if old.notifications != new.notifications { changed.append("notifications") }
        if old.metrics != new.metrics { changed.append("metrics") }
        if old.logLevel != new.logLevel { changed.append("log_level") }
        return changed
    }
}
