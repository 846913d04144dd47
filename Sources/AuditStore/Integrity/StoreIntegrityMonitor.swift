#if canImport(Glibc)
import Glibc
#endif
import Logging
import Runtime

/// Checks the store at start and then periodically on a thread of its own, and makes
/// corruption loud: an error log line, the `isCorrupt` flag and gauge, and `onReport` for
/// the wiring (systemd `STATUS=`, the writer's spool).
///
/// The chain check reads in short chunks on its own connection, so the writer is never
/// blocked for long; `quick_check` runs at start and every `pageCheckInterval`, under its
/// time limit.
///
/// Shared between threads: `isCorrupt`, `counters`, `lastReport`, `noteStoreError` and
/// `stop` may be called from any thread. `@unchecked Sendable` because every mutable
/// property below the lock line is read and written only while `lock` is held, and `check`
/// is used by one thread at a time: the caller of `checkAtStart` until `start` hands it to
/// the monitor thread, which `stop` joins.
package final class StoreIntegrityMonitor: @unchecked Sendable {
    /// How often to check.
    package struct Schedule: Sendable {
        /// Between two chain checks while running.
        package var intervalNanoseconds: UInt64 = 300_000_000_000
        /// Between two `quick_check`s while running (at start it always runs).
        package var pageCheckIntervalNanoseconds: UInt64 = 3_600_000_000_000

        package init() {}
    }

    /// The monitor's counters.
    package struct Counters: Sendable, Equatable {
        /// Checks run (start and periodic).
        package var checks: UInt64 = 0
        /// Checks that found corruption or a broken chain.
        package var failures: UInt64 = 0
        /// `quick_check`s stopped at their time limit.
        package var incompletePageChecks: UInt64 = 0
        /// Ledger rows verified in all.
        package var rowsVerified: UInt64 = 0
        /// Store errors reported by other components (`noteStoreError`) that mean corruption.
        package var corruptionErrors: UInt64 = 0

        /// Under their metric names.
        package var named: [(name: String, value: UInt64)] {
            [
                ("moses_store_integrity_checks_total", checks),
                ("moses_store_integrity_failures_total", failures),
                ("moses_store_integrity_incomplete_total", incompletePageChecks),
                ("moses_store_ledger_rows_verified_total", rowsVerified),
                ("moses_store_corruption_errors_total", corruptionErrors),
            ]
        }
    }

    package let schedule: Schedule
    private let check: StoreIntegrityCheck
    private let logger: Logger
    private let lock = ConditionLock()
    private var thread: NamedThread?

    // Guarded by `lock`.
    private var state = Counters()
    private var corrupt = false
    private var report: StoreIntegrityReport?
    private var isStopping = false
    private var onReport: (@Sendable (StoreIntegrityReport) -> Void)?

    /// Opens the check's own connection to the (already migrated) store.
    ///
    /// - Throws: `DatabaseError` when the store cannot be opened.
    package init(
        path: String, limits: StoreIntegrityCheck.Limits = .init(), schedule: Schedule = .init(), logger: Logger
    ) throws(DatabaseError) {
        self.schedule = schedule
        self.logger = logger
        check = try StoreIntegrityCheck(path: path, limits: limits)
    }

    /// True once corruption or a broken chain was found (it stays set: a store does not heal).
    package var isCorrupt: Bool { lock.withLock { corrupt } }

    /// A snapshot of the counters.
    package var counters: Counters { lock.withLock { state } }

    /// The last check's findings.
    package var lastReport: StoreIntegrityReport? { lock.withLock { report } }

    /// Runs the check now, on the caller's thread: `quick_check` and the chain from the last
    /// verified row, each under its time limit (what the chain check leaves, the thread
    /// verifies at once after `start`). Call before `start`.
    ///
    /// - Returns: the findings (also logged, and counted).
    @discardableResult
    package func checkAtStart() -> StoreIntegrityReport {
        runCheck(pages: true, chainBudgetNanoseconds: check.limits.startChainNanoseconds)
    }

    /// A store error another component met: SQLITE_CORRUPT or SQLITE_NOTADB sets the flag
    /// at once, without waiting for the next check. Any thread.
    package func noteStoreError(_ error: DatabaseError) {
        switch error.code {
        case .corrupt, .notADatabase:
            let callback = lock.withLock { () -> (@Sendable (StoreIntegrityReport) -> Void)? in
                state.corruptionErrors += 1
                guard !corrupt else { return nil }
                corrupt = true
                var found = StoreIntegrityReport()
                found.pageProblems = [error.message]
                report = found
                return onReport
            }
            if let callback {
                logger.error("the audit store is corrupt", metadata: ["error": "\(error)"])
                var found = StoreIntegrityReport()
                found.pageProblems = [error.message]
                callback(found)
            }
        default:
            break
        }
    }

    /// Starts the periodic checks on a thread of its own; `onReport` runs on that thread
    /// after each check that finds something (keep it short).
    package func start(onReport: @escaping @Sendable (StoreIntegrityReport) -> Void) {
        lock.withLock { self.onReport = onReport }
        // The thread holds `self` until `run()` returns; `stop()` joins it.
        thread = NamedThread.start(name: "moses-integrity") { [self] in run() }
    }

    /// Stops the thread (a check in progress finishes its chunk first) and closes the
    /// connection. Idempotent; call from the thread that called `start`.
    package func stop() {
        lock.withLock {
            isStopping = true
            lock.signalWork()
        }
        thread?.join()
        thread = nil
        check.close()
    }

    func run() {
        let pageCheckInterval = Duration.nanoseconds(Int64(clamping: schedule.pageCheckIntervalNanoseconds))
        let interval = Duration.nanoseconds(Int64(clamping: schedule.intervalNanoseconds))
        var nextPageCheck = ContinuousClock.now + pageCheckInterval
        // Go on at once when the start check left rows of the chain unverified.
        var isBehind = lock.withLock { report?.isChainCheckComplete == false }
        while true {
            let deadline = ContinuousClock.now + (isBehind ? .zero : interval)
            let stopping = lock.withLock { () -> Bool in
                while !isStopping && ContinuousClock.now < deadline { lock.waitForWork(until: deadline) }
                return isStopping
            }
            if stopping { return }
            let now = ContinuousClock.now
            let checkPages = now >= nextPageCheck
            if checkPages { nextPageCheck = now + pageCheckInterval }
            isBehind = false
            runCheck(pages: checkPages)
        }
    }

    @discardableResult
    private func runCheck(pages: Bool, chainBudgetNanoseconds: UInt64? = nil) -> StoreIntegrityReport {
        let found = check.check(pages: pages, chainBudgetNanoseconds: chainBudgetNanoseconds)
        let callback = lock.withLock { () -> (@Sendable (StoreIntegrityReport) -> Void)? in
            state.checks += 1
            state.rowsVerified += UInt64(found.rowsVerified)
            if !found.isPageCheckComplete { state.incompletePageChecks += 1 }
            report = found
            guard found.isCorrupt else { return nil }
            state.failures += 1
            corrupt = true
            return onReport
        }
        if found.isCorrupt {
            // Every time, not once: the store stays corrupt until someone repairs it.
            logger.error("the audit store is corrupt", metadata: ["store.integrity": "\(found)"])
            callback?(found)
        } else if !found.isPageCheckComplete {
            logger.warning("the store's page check stopped at its time limit", metadata: ["store.integrity": "\(found)"])
        } else {
            logger.debug("store checked", metadata: ["store.integrity": "\(found)"])
        }
        return found
    }
}

