#if canImport(Glibc)
import Glibc
#endif
import Configuration
import Logging
import Synchronization

/// The process's logging: bootstrapped once at the entry point, before any `Logger` exists,
/// and the level threshold every logger follows (set by the command once it knows the
/// configuration and options).
enum CoordinatorLogging {
    /// The threshold as an index into `Logger.Level.allCases`: read on every log call from
    /// any thread, so an atomic rather than a lock.
    private static let thresholdIndex = Atomic<Int>(Logger.Level.allCases.firstIndex(of: .info)!)

    /// The lowest level written by loggers that set none of their own.
    static var threshold: Logger.Level {
        Logger.Level.allCases[thresholdIndex.load(ordering: .relaxed)]
    }

    /// Sets the threshold for every logger, made before or after.
    static func setThreshold(_ level: LogLevel) {
        thresholdIndex.store(Logger.Level.allCases.firstIndex(of: Logger.Level(level))!, ordering: .relaxed)
    }

    /// Installs `CoordinatorLogHandler` as the process's handler. Call once, first thing.
    static func bootstrap() {
        let destination: CoordinatorLogHandler.Destination = isJournal(environment: getenv("JOURNAL_STREAM").map { String(cString: $0) })
            ? .journal : .stream
        LoggingSystem.bootstrap { label in CoordinatorLogHandler(label: label, destination: destination) }
    }

    /// Whether standard error is the journal stream systemd connected: `JOURNAL_STREAM` holds
    /// its `device:inode` (systemd.exec(5)), compared with standard error's, so a child whose
    /// standard error was redirected elsewhere keeps plain lines.
    ///
    /// - Parameter environment: the value of `JOURNAL_STREAM`, nil when unset.
    static func isJournal(environment value: String?) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}

extension Logger.Level {
    /// The swift-log level of a configured `LogLevel` (same names).
    init(_ level: LogLevel) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}
