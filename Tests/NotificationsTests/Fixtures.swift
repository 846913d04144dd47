#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import AuditStore
import Governance
import Logging
@testable import Notifications

enum Fixtures {
    static let state = GovernanceState(mode: .highIntegrity, posture: .defense, role: .primary)
    static let logger = Logger(label: "notifications-tests")

    static func violation(_ index: Int, conversation: String = "discord:group:1", rule: RuleID = .sequence) -> Violation {
        Violation(
            at: 1_763_990_000_000 + Int64(index), conversation: conversation,
            sessionKey: "agent:observer:\(conversation)", agentID: "observer", role: .observer, rule: rule,
            expected: "secondary", actual: "observer", detail: "Observer answered before Secondary (#\(index)).",
            runID: "run-\(index)", state: state)
    }

    /// Stores `violations` through a real writer configured for `channels`, then closes it.
    static func store(_ violations: [Violation], at path: String, channels: [NotificationChannel]) throws {
        var configuration = AuditWriter.Configuration()
        configuration.notificationChannels = channels
        let writer = try AuditWriter(path: path, configuration: configuration, logger: logger)
        for violation in violations { _ = writer.enqueue(.violation(violation)) }
        try writer.flush()
        try writer.close()
    }

    /// The store's one writer on `path`, for a delivery worker to write its outcomes
    /// through; close it after the worker stops.
    static func writer(at path: String) throws -> AuditWriter {
        try AuditWriter(path: path, logger: logger)
    }

    /// A worker configuration with a fast retry schedule for tests.
    static func fastConfiguration(webhookURL: String? = nil, execProgram: String? = nil, windowMs: Int64 = 0)
        -> DeliveryWorker.Configuration {
        var configuration = DeliveryWorker.Configuration(
            webhookURL: webhookURL, execProgram: execProgram, suppressionWindowMs: windowMs)
        configuration.backoff = DeliveryBackoff(initialMs: 10, maximumMs: 80, multiplier: 2, jitter: 0.2)
        configuration.maxAttempts = 10_000
        configuration.webhookTimeoutMs = 2_000
        configuration.execTimeoutMs = 2_000
        configuration.idleWakeMs = 50
        return configuration
    }

    /// Writes an executable shell script and returns its path.
    static func script(_ body: String, in directory: TemporaryDirectory, name: String) -> String {
        let path = directory.file(name)
        let file = fopen(path, "w")!
        fputs("#!/bin/sh\n\(body)\n", file)
        fclose(file)
        chmod(path, 0o755)
        return path
    }

    /// The whole file as text, or "" when it does not exist.
    static func contents(of path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func waitUntil(seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(2_000)  // poll interval of the wait loop, not a wait for the condition itself
    }
    return try condition()
}
