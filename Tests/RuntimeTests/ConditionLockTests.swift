import Runtime
import Synchronization
import Testing

@Suite struct ConditionLockTests {
    /// A deadline already past returns at once, reporting that it passed.
    @Test func pastDeadlineReturnsAtOnce() {
        let lock = ConditionLock()
        let started = ContinuousClock.now
        let timedOut = lock.withLock { lock.waitForWork(until: started - .seconds(1)) }
        #expect(timedOut)
        #expect(started.duration(to: .now) < .seconds(1))
    }

    /// A wait with a deadline lasts until the deadline (a spurious wake may end it early, so
    /// the loop re-checks, as every caller does).
    @Test func waitLastsUntilTheDeadline() {
        let lock = ConditionLock()
        let deadline = ContinuousClock.now + .milliseconds(80)
        lock.withLock {
            while ContinuousClock.now < deadline {
                if lock.waitForWork(until: deadline) { break }
            }
        }
        #expect(ContinuousClock.now >= deadline)
    }

    /// `signalWork` from another thread ends a wait long before its deadline.
    @Test func signalEndsTheWaitBeforeTheDeadline() {
        let lock = ConditionLock()
        let isWaiting = Mutex(false)
        let thread = NamedThread.start(name: "moses-signal") {
            // Ring only once the waiter holds the wait (it releases the lock while waiting).
            while !isWaiting.withLock({ $0 }) { lock.withLock {} }
            lock.withLock { lock.signalWork() }
        }
        let started = ContinuousClock.now
        var rung = false
        lock.withLock {
            isWaiting.withLock { $0 = true }
            rung = !lock.waitForWork(until: started + .seconds(30))
        }
        thread.join()
        #expect(rung)
        #expect(started.duration(to: .now) < .seconds(30))
    }
}
