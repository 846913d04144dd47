import Logging

/// Logs the first of a run of like warnings at `warning`, then only counts the repeats: a
/// summary with their number goes out every `summaryIntervalMs` while they go on, and when
/// the run ends (`clear`) or another kind starts. A file that stays broken while its
/// directory churns is one warning and a count, not a line per change.
///
/// A value owned by one thread (the watcher's).
package struct RepeatedWarning {
    /// How long repeats are only counted before a summary.
    package let summaryIntervalMs: Int64
    /// The kind of the current run, nil when none is going on.
    package private(set) var kind: String?
    /// Repeats of the current kind not yet in a summary.
    package private(set) var unreported: UInt64 = 0
    private var lastLoggedAt: Int64 = 0

    /// - Parameter summaryIntervalMs: how often a run that goes on is summarized.
    package init(summaryIntervalMs: Int64 = 300_000) {
        self.summaryIntervalMs = summaryIntervalMs
    }

    /// One occurrence of `kind` at `now` (monotonic milliseconds).
    ///
    /// - Parameters:
    ///   - message: what is wrong, a constant text.
    ///   - metadata: this occurrence's details (logged with the first and each summary).
    mutating func warn(
        _ message: Logger.Message, kind: String, metadata: Logger.Metadata, now: Int64, logger: Logger
    ) {
        if kind == self.kind {
            unreported &+= 1
            guard now - lastLoggedAt >= summaryIntervalMs else { return }
            var summary = metadata
            summary[MosesFilesLogKey.repeats] = "\(unreported)"
            logger.warning("\(message) (still; repeats since the last report counted)", metadata: summary)
        } else {
            summarize(logger: logger)
            self.kind = kind
            logger.warning("\(message) (the first; repeats are counted and summarized)", metadata: metadata)
        }
        unreported = 0
        lastLoggedAt = now
    }

    /// The run is over (the file is usable again): its uncounted repeats are summarized.
    mutating func clear(logger: Logger) {
        summarize(logger: logger)
        kind = nil
    }

    private mutating func summarize(logger: Logger) {
        if let kind, unreported > 0 {
            logger.notice("repeated warnings, not logged one by one", metadata: [
                MosesFilesLogKey.kind: "\(kind)", MosesFilesLogKey.repeats: "\(unreported)",
            ])
        }
        unreported = 0
    }
}
