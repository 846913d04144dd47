import Logging
import Synchronization

/// A log handler keeping every record in memory, one per test: give it to a `Logger`, then
/// read `all` or `warnings`. A `LogHandler` is a value the logger copies, so the copies share
/// one list of records.
package struct RecordingLogHandler: LogHandler {
    /// One record, its metadata (the logger's and the call's) as text.
    package struct Entry: Sendable {
        package var level: Logger.Level
        package var message: String
        package var metadata: [String: String]
    }

    private final class Records: Sendable {
        let entries = Mutex<[Entry]>([])
    }

    private let records = Records()
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace

    package init() {}

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata.mapValues { "\($0)" }
        for (key, value) in event.metadata ?? [:] { merged[key] = "\(value)" }
        let entry = Entry(level: event.level, message: "\(event.message)", metadata: merged)
        records.entries.withLock { $0.append(entry) }
    }

    /// Every record so far, in order.
    package var all: [Entry] { records.entries.withLock { $0 } }

    /// The records at warning or above.
    package var warnings: [Entry] { all.filter { $0.level >= .warning } }
}
