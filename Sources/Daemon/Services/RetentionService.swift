import AuditStore
import Runtime

/// Retention: at start, then every `intervalMs`, asks the store writer to prune events older
/// than `days` (violations stay).
///
/// `@unchecked Sendable`: `isStopped` is read and written only with `lock` held, and the
/// prune is enqueued with it held too, so once `stop()` returns no prune can reach the writer.
package final class RetentionService: Service, @unchecked Sendable {
    package let name = "retention"
    private let writer: AuditWriter
    private let days: Int
    private let intervalMs: Int64
    private let lock = ConditionLock()
    private var isStopped = false

    /// - Parameters:
    ///   - days: how many days of events to keep (1 or more).
    ///   - intervalMs: how often to prune (hourly in the daemon).
    package init(writer: AuditWriter, days: Int, intervalMs: Int64 = 3_600_000) {
        self.writer = writer
        self.days = days
        self.intervalMs = intervalMs
    }

    package func start() {
        // Detached: `stop()` only asks; the thread ends after its current prune.
        NamedThread.start(name: "moses-retention") { [self] in run() }.detach()
    }

    package func stop() {
        lock.withLock {
            isStopped = true
            lock.signalWork()
        }
    }

    private func run() {
        lock.withLock {
            while !isStopped {
                let now = WallClock.milliseconds()
                // `days` is range-checked by the configuration loader; saturate all the same.
                let (age, overflow) = Int64(days).multipliedReportingOverflow(by: 86_400_000)
                _ = writer.enqueue(.prune(before: overflow ? .min : now &- age))
                let deadline = ContinuousClock.now + .milliseconds(intervalMs)
                while !isStopped {
                    if lock.waitForWork(until: deadline) { break }
                }
            }
        }
    }
}
