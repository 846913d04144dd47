import AuditStore
import Runtime

/// Wakes whoever waits on the pipeline's progress (the demo, waiting for a frame it played to
/// be judged): rung after each message the pipeline receives and each gateway status change.
///
/// One waiter at a time (a ring wakes one). `@unchecked Sendable`: `generation` is read and written only with `lock` held.
package final class PipelineProgress: @unchecked Sendable {
    private let lock = ConditionLock()
    private var generation: UInt64 = 0

    /// How long a wait sleeps at most between two checks of its condition: the gateway client
    /// drops duplicate and malformed frames, and answers the gateway's replies, without
    /// telling the pipeline, so nothing rings for those.
    package static let recheckInterval: Duration = .milliseconds(20)

    package init() {}

    /// Wakes the waiters. Any thread.
    package func ring() {
        lock.withLock {
            generation &+= 1
            lock.signalWork()
        }
    }

    /// Waits until `condition` holds or `seconds` pass, checking it after each ring.
    ///
    /// - Returns: whether `condition` held.
    package func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(max(0, seconds))
        while !condition() {
            let now = ContinuousClock.now
            guard now < deadline else { return false }
            let seen = lock.withLock { generation }
            let wake = min(deadline, now + Self.recheckInterval)
            lock.withLock {
                while generation == seen {
                    if lock.waitForWork(until: wake) { break }
                }
            }
        }
        return true
    }
}
