import Foundation
import Testing

/// Under systemd (`JOURNAL_STREAM` naming standard error) each log line starts with its
/// syslog priority and carries no timestamp; elsewhere lines keep today's stream format.
@Suite struct JournalLogTests {
    /// `run --dry-run` with its standard error in a file; with `asJournal`, JOURNAL_STREAM
    /// names that file's device and inode as systemd names its journal socket's, else an
    /// inode that is not standard error's (a child whose stderr was redirected).
    func dryRunLog(asJournal: Bool) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("log").path
        let stream = asJournal ? #"$(stat -c %d:%i "$1")"# : "0:1"
        let script = #"exec 2>"$1"; JOURNAL_STREAM=\#(stream) exec "$2" run --dry-run --db "$3" --identity "$4""#
        var environment = ProcessInfo.processInfo.environment.filter { $0.key != "OPENCLAW_GATEWAY_TOKEN" }
        environment["JOURNAL_STREAM"] = nil
        let result = try CoordinatorBinary.run(
            ["-c", script, "sh", log, CoordinatorBinary.url.path, directory.appendingPathComponent("audit.db").path,
             directory.appendingPathComponent("identity.json").path],
            environment: environment, program: "/bin/sh")
        #expect(result.status == 0, "\(result.stderr) \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        return try String(contentsOfFile: log, encoding: .utf8)
    }

    @Test func journalLinesCarryThePriorityAndNoTimestamp() throws {
        let lines = try dryRunLog(asJournal: true).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.wholeMatch(of: /<[0-7]>(trace|debug|info|notice|warning|error|critical) moses\.\S+: .*/) != nil, "\(line)")
            #expect(line.firstMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/) == nil, "\(line)")
        }
        #expect(lines.contains { $0.hasPrefix("<5>notice moses.run:") && $0.contains("moses-coordinator configuration") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<4>warning moses.run:") && $0.contains("no gateway token") }, "\(lines)")
    }

    @Test func streamLinesElsewhereKeepTheirTimestamp() throws {
        let lines = try dryRunLog(asJournal: false).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.prefixMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S* (trace|debug|info|notice|warning|error|critical) moses\./) != nil, "\(line)")
        }
    }
}
