import ArgumentParser
import Configuration

/// `--log-level`, for the commands that run the daemon (`run`, `demo`, `simulate`).
struct LogOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The lowest level of log line written: \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")) (default: the configuration's log_level, else info; demo: warning).",
        valueName: "level"))
    var logLevel: LogLevel?

    /// Sets the process's log threshold: this option, else `configured`, else `fallback`.
    func apply(configured: LogLevel? = nil, fallback: LogLevel = .info) {
        CoordinatorLogging.setThreshold(logLevel ?? configured ?? fallback)
    }
}

extension LogLevel: ExpressibleByArgument {}
