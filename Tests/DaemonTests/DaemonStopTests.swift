import AuditStore
import Daemon
import Logging
import Testing
import TestSupport
import WireFormats

/// The built daemon's stop when the store cannot take what was judged.
@Suite struct DaemonStopTests {
    /// A full disk (the database capped at its empty size) and no spool: the
    /// writer's close fails, which is exit 74, and the services stopped after it (delivery,
    /// metrics) still stop.
    @Test func unstoredViolationsExit74AndTheLaterServicesStillStop() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("audit.db")
        _ = try AuditDatabase.openWriter(path: path)
        let pages = try #require(try AuditDatabase.openReader(path: path).singleInteger(sql: "PRAGMA page_count"))
        var settings = DaemonSettings.forTool(databasePath: path)
        settings.writer.maxPageCount = Int(pages)
        settings.writer.maxAttempts = 2
        settings.writer.retryDelayMs = 1
        settings.writer.maxRetryDelayMs = 20
        settings.metricsAddress = "127.0.0.1:0"
        settings.notifications.execProgram = "/bin/true"
        let recording = RecordingLogHandler()
        var builder = DaemonBuilder(settings: settings, version: "test", logger: Logger(label: "test.daemon") { _ in recording })
        builder.connectsToGateway = false
        let daemon = try builder.make()
        try daemon.start()
        let port = try #require(recording.all.first { $0.message == "serving metrics" }?.metadata["metrics.port"].flatMap { Int($0) })
        #expect(loopbackHTTPGet(port: port, path: "/metrics") != nil)

        var reader = CaptureReader(bytes: Array(DaemonWiringTests.sample.utf8))
        while let item = try reader.next() {
            if case .event(let event) = item { daemon.pipeline.inject(event) }
        }
        #expect(daemon.stop() == .unstoredViolations)
        #expect(recording.all.contains { $0.level == .critical && $0.message == "violations could be neither stored nor spooled" })
        // Stopped after the writer's failed close.
        #expect(loopbackHTTPGet(port: port, path: "/metrics") == nil)
    }
}
