import AuditStore
import Logging

/// What `run` tells the operator at start: which files it reads and writes and where the
/// gateway token comes from, so a wrong path or a missing token shows in the first lines
/// of the journal instead of as silence or a refused connection later.
///
/// Used once, on the main thread, before any service starts.
package enum StartupLog {
    /// The metadata keys of the startup lines.
    enum Key {
        static let configurationFile = "config.file"
        static let ledgerPath = "moses.ledger_path"
        static let statePath = "moses.state_path"
        static let tokenSource = "gateway.token_source"
    }

    /// Where the gateway token came from; never the token itself.
    enum TokenSource: Equatable, CustomStringConvertible {
        case file(String)
        case environment
        /// No token (none given, or an empty file or variable).
        case none

        var description: String {
            switch self {
            case .file(let path): return "token file \(path)"
            case .environment: return "OPENCLAW_GATEWAY_TOKEN"
            case .none: return "none"
            }
        }
    }

    /// Logs the files in use at notice and, without a token, a warning.
    ///
    /// - Parameters:
    ///   - configurationFile: the configuration file loaded, nil when none was (the default
    ///     one did not exist and none was given).
    ///   - defaultConfigurationFile: the default configuration looked for.
    ///   - settings: the settings in force.
    ///   - hasToken: whether a non-empty token was read.
    ///   - logger: where the lines go.
    package static func log(
        configurationFile: String?, defaultConfigurationFile: String, settings: DaemonSettings, hasToken: Bool, to logger: Logger
    ) {
        let source: TokenSource = !hasToken ? .none : settings.tokenFile.map { .file($0) } ?? .environment
        logger.notice("moses-coordinator configuration", metadata: [
            Key.configurationFile: "\(configurationFile ?? "none (\(defaultConfigurationFile) does not exist; defaults and options)")",
            StoreLogKey.path: "\(settings.databasePath)",
            Key.ledgerPath: "\(settings.ledgerPath ?? "none")",
            Key.statePath: "\(settings.statePath ?? "none")",
            Key.tokenSource: "\(source)",
        ])
        if source == .none {
            logger.warning("no gateway token: a gateway that requires one will refuse the connection")
        }
    }
}
