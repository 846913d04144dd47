/// The lowest level of log line the daemon writes, spelled as swift-log's levels. Lines
/// below it are not formatted at all, so `debug` costs nothing until asked for.
package enum LogLevel: String, Sendable, CaseIterable {
    /// Every frame and event.
    case trace
    /// Connects, reconnects, commits.
    case debug
    /// Recoverable trouble (retrying, fell back); the default.
    case info
    /// Lifecycle: start, stop, reload.
    case notice
    /// Degraded: the first drop, a queue past its high-water mark.
    case warning
    /// Lost work.
    case error
    /// Just before exit.
    case critical
}
