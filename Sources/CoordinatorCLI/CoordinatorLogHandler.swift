#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The process's log handler: standard error, one line per entry.
///
/// On a terminal or a pipe the line is swift-log's stream line (timestamp, level, label,
/// metadata, source, message). When standard error is the systemd journal
/// (`CoordinatorLogging.isJournal`) the timestamp is left out, since journald stamps every
/// line itself, and the line starts with its sd-daemon(3) syslog priority `<N>`, which
/// journald strips and records, so `journalctl -p warning` filters by level.
///
/// A value each `Logger` copies; the level comes from the process threshold
/// (`CoordinatorLogging.threshold`) unless one logger sets its own. Any thread may log: each
/// line goes out in one `write(2)`.
struct CoordinatorLogHandler: LogHandler {
    /// Where the lines go, fixed at bootstrap.
    enum Destination: Sendable {
        /// A terminal, pipe or file: stream lines with their own timestamps.
        case stream
        /// The systemd journal's stream socket: priority prefix, no timestamp.
        case journal
    }

    private let label: String
    private let destination: Destination
    /// The line format of the stream destination, and the metadata store of both.
    private var stream: StreamLogHandler
    /// A level set on this logger alone; nil follows the process threshold.
    private var ownLevel: Logger.Level?

    init(label: String, destination: Destination) {
        self.label = label
        self.destination = destination
        stream = StreamLogHandler.standardError(label: label)
    }

    var logLevel: Logger.Level {
        get { ownLevel ?? CoordinatorLogging.threshold }
        set { ownLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { stream.metadata }
        set { stream.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { stream.metadata[key] }
        set { stream.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        switch destination {
        case .stream:
            stream.log(event: event)
        case .journal:
            var output = LineWriter(descriptor: 2, capacity: 0)
            output.write(journalLine(event))
        }
    }

    /// `<priority>level label: metadata [source] message`, on one line: journald would make
    /// each further line an entry of its own, without the priority.
    func journalLine(_ event: LogEvent) -> String {
        var merged = stream.metadata
        if let provided = stream.metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "<\(Self.syslogPriority(of: event.level))>\(event.level) \(label):\(pretty.isEmpty ? "" : " \(pretty)") [\(event.source)] \(event.message)"
        return line.contains("\n") ? line.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n") : line
    }

    /// The syslog priority (sd-daemon(3): 0 emerg … 7 debug) of a swift-log level.
    static func syslogPriority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}
