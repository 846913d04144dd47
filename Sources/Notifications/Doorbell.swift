import Runtime

/// The delivery worker's wake-up: it sleeps until its next due time, and `ring()` (a new
/// durable violation, or stop) wakes it early. A ring with no sleeper is kept, so the next
/// wait returns at once.
///
/// Built on the store writer's `ConditionLock` (a pthread mutex and condition variables with
/// monotonic deadlines). `@unchecked Sendable`: `isRung` is read and written only with that
/// lock held.
final class Doorbell: @unchecked Sendable {
    private let lock = ConditionLock()
    private var isRung = false

    /// Wakes the waiter (or makes its next wait return at once). Any thread.
    func ring() {
        lock.withLock {
            isRung = true
            lock.signalWork()
        }
    }

    /// Waits until rung or `milliseconds` pass, then clears the bell.
    func wait(milliseconds: Int64) {
        let deadline = ContinuousClock.now + .milliseconds(max(0, milliseconds))
        lock.withLock {
            while !isRung {
                if lock.waitForWork(until: deadline) { break }
            }
            isRung = false
        }
    }
}
