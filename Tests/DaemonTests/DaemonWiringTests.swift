#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Daemon
import Gateway
import GatewaySimulator
import Logging
import Testing
import TestSupport
import WireFormats

/// `run`'s wiring, built by the real builder: a simulated gateway over loopback lws plays the
/// sample scenario (its ledger lines and state changes into the MO§ES files the daemon
/// watches); the daemon judges it, stores each violation in a SQLite file and delivers it
/// through the outbox to an exec channel.
@Suite struct DaemonWiringTests {
    static let token = "daemon-wiring-token"

    /// The sample scenario every command's tests play.
    static var sample: String {
        let repository = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))
        let bytes = try? DeviceIdentity.readFile(at: repository + "/Samples/every-violation.jsonl")
        return String(decoding: bytes ?? [], as: UTF8.self)
    }

    @Test func judgedViolationsAreStoredThenDelivered() throws {
        let directory = TemporaryDirectory()
        let delivered = directory.file("delivered.jsonl")
        let program = directory.write("deliver.sh", Array("#!/bin/sh\ncat >> '\(delivered)'\necho >> '\(delivered)'\n".utf8))
        #expect(chmod(program, 0o700) == 0)

        var simulatorConfiguration = GatewaySimulatorConfiguration()
        simulatorConfiguration.token = Self.token
        simulatorConfiguration.tickIntervalMs = 600_000
        simulatorConfiguration.ledgerPath = directory.file("ledger.jsonl")
        simulatorConfiguration.statePath = directory.file("state.json")
        let logger = Logger(label: "test.daemon") { _ in SwiftLogNoOpLogHandler() }
        let simulator = GatewaySimulator(configuration: simulatorConfiguration, logger: logger)
        let port = try simulator.start()
        defer { simulator.stop() }

        var settings = DaemonSettings()
        settings.gatewayURL = "ws://127.0.0.1:\(port)"
        settings.databasePath = directory.file("audit.db")
        settings.identityPath = directory.file("identity.json")
        settings.ledgerPath = simulatorConfiguration.ledgerPath
        settings.statePath = simulatorConfiguration.statePath
        settings.notifications.execProgram = program
        var builder = DaemonBuilder(
            settings: settings, token: Self.token, identity: DeviceIdentity.generate(), version: "test", logger: logger)
        // Delivered well before the worker's idle wake: the writer's commit rings it.
        builder.deliveryIdleWakeMs = 600_000
        let daemon = try builder.make()
        try daemon.start()
        simulator.play([.waitForClients(1)] + (try Scenario(jsonLines: Self.sample)).steps)

        func storedViolations() -> Int64 {
            (try? AuditDatabase.openReader(path: settings.databasePath).singleInteger(sql: "SELECT count(*) FROM violations")) ?? 0
        }
        func deliveredLines() -> [Substring] {
            let bytes = (try? DeviceIdentity.readFile(at: delivered)) ?? []
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        }
        #expect(waitUntil { storedViolations() > 0 && !deliveredLines().isEmpty })
        #expect(daemon.stop() == .stopped)

        #expect(storedViolations() >= Int64(deliveredLines().count))
        let rules = Set(deliveredLines().compactMap { OpaqueJSON.decode(Array($0.utf8))?["rule"]?.stringValue })
        #expect(!rules.isEmpty)
        // The daemon's start and stop are in the store's ledger, as `run` records them.
        let lifecycle = try AuditDatabase.openReader(path: settings.databasePath)
            .singleInteger(sql: "SELECT count(*) FROM ledger WHERE action IN ('daemon_start', 'daemon_stop')")
        #expect(lifecycle == 2)
    }
}

/// Waits until `condition` holds, checking it every few milliseconds, for at most `seconds`.
func waitUntil(seconds: Double = 30, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
