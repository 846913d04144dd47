#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Governance
import Testing
@testable import Configuration

/// The reload holder (what SIGHUP calls), on real files in a fresh temporary directory.
struct ConfigHolderTests {
    let directory: URL
    let path: String
    let loader = ConfigLoader(home: "/home/op")

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("config-holder-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("coordinator.yaml").path
    }

    func write(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func validReloadSwapsAndNamesTheChangedSections() throws {
        try write("store:\n  batch_rows: 10\n")
        let holder = try ConfigHolder(loadingFrom: path, loader: loader)
        #expect(holder.current.store.batchRows == 10)
        try write("store:\n  batch_rows: 20\nrules:\n  drift_repeat_limit: 9\n")
        let outcome = holder.reload()
        #expect(outcome.summary == "configuration reloaded; changed: policy, store")
        guard case .applied(let changed, let warnings) = outcome else {
            Issue.record("expected the new file to be applied")
            return
        }
        #expect(changed == ["policy", "store"])
        #expect(warnings.isEmpty)
        #expect(holder.current.store.batchRows == 20)
        #expect(holder.current.policy.driftRepeatLimit == 9)
        #expect(holder.counters == ConfigHolder.Counters(reloads: 1, failures: 0))
        #expect(holder.lastError == nil)
    }

    @Test func invalidReloadKeepsTheOldConfiguration() throws {
        try write("store:\n  batch_rows: 10\n")
        let holder = try ConfigHolder(loadingFrom: path, loader: loader)
        try write("store:\n  batch_rows: 20\n  overflow: sometimes\n")
        let outcome = holder.reload()
        guard case .rejected(.invalid(_, let diagnostics)) = outcome else {
            Issue.record("expected the invalid file to be rejected")
            return
        }
        #expect(outcome.summary.hasPrefix("configuration reload rejected, previous configuration kept"))
        #expect(outcome.summary.contains(":3:13: error[unknown-value] store.overflow"))
        #expect(diagnostics.map(\.line) == [3])
        #expect(holder.current.store.batchRows == 10)
        #expect(holder.counters == ConfigHolder.Counters(reloads: 1, failures: 1))
        #expect(holder.lastError != nil)
        // Fixing the file and reloading again applies it and clears the error.
        try write("store:\n  batch_rows: 30\n")
        guard case .applied = holder.reload() else {
            Issue.record("expected the fixed file to be applied")
            return
        }
        #expect(holder.current.store.batchRows == 30)
        #expect(holder.lastError == nil)
        #expect(holder.counters == ConfigHolder.Counters(reloads: 2, failures: 1))
    }

    /// A reload whose numbers are out of range (one a base-60 number, which once trapped in
    /// Yams) is rejected, and each such value is counted for /metrics.
    @Test func outOfRangeValuesOfARejectedReloadAreCounted() throws {
        try write("store:\n  batch_rows: 10\n")
        let holder = try ConfigHolder(loadingFrom: path, loader: loader)
        try write("store:\n  batch_rows: 0\n  batch_ms: 1:0:0:0:0:0:0:0:0:0:0:0\n")
        guard case .rejected = holder.reload() else {
            Issue.record("expected the out-of-range file to be rejected")
            return
        }
        #expect(holder.current.store.batchRows == 10)
        #expect(holder.counters == ConfigHolder.Counters(reloads: 1, failures: 1, rejectedValues: 2))
        #expect(holder.counters.metrics.map(\.name) == [
            "moses_config_reloads_total", "moses_config_reload_failures_total", "moses_config_rejected_values_total",
        ])
    }

    @Test func unreadableReloadKeepsTheOldConfiguration() throws {
        try write("metrics:\n  address: 127.0.0.1:9000\n")
        let holder = try ConfigHolder(loadingFrom: path, loader: loader)
        try FileManager.default.removeItem(atPath: path)
        guard case .rejected(.unreadable) = holder.reload() else {
            Issue.record("expected a missing file to be rejected")
            return
        }
        #expect(holder.current.metrics.address == "127.0.0.1:9000")
    }

    @Test func unchangedReloadSaysSo() throws {
        try write("sequence: [primary, observer]\n")
        let holder = try ConfigHolder(loadingFrom: path, loader: loader)
        try write("# same settings, new comment\nsequence: [primary, observer]\n")
        guard case .unchanged = holder.reload() else {
            Issue.record("expected no change")
            return
        }
    }

    @Test func invalidInitialFileThrows() throws {
        try write("store: [1]\n")
        #expect(throws: ConfigError.self) { try ConfigHolder(loadingFrom: path, loader: loader) }
    }

    @Test func readersSeeWholeConfigurationsDuringConcurrentReloads() async throws {
        try write("store:\n  batch_rows: 1\n  batch_ms: 1\n")
        let holder = try ConfigHolder(loadingFrom: path, loader: loader)
        // Each file keeps batch_rows == batch_ms; a torn read would break that.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in 2...40 {
                    try Data("store:\n  batch_rows: \(n)\n  batch_ms: \(n)\n".utf8).write(to: URL(fileURLWithPath: path))
                    _ = holder.reload()
                }
            }
            group.addTask {
                for _ in 0..<2_000 {
                    let store = holder.current.store
                    #expect(store.batchRows == store.batchMs)
                }
            }
            try await group.waitForAll()
        }
        #expect(holder.current.store.batchRows == 40)
    }
}
