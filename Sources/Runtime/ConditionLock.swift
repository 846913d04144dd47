#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with two condition variables: the store writer's doorbell (`work`) and
/// the producers' and flushers' signal (`progress`). The integrity monitor and the
/// notification worker's `Doorbell` use it too (`work` only).
///
/// `Synchronization.Mutex` has no condition variable, and waiting with a deadline needs one;
/// this is the smallest thing that gives both. Shared between threads: `@unchecked Sendable`
/// because the pthread objects are heap-allocated once, never moved, and only used through
/// the pthread calls, which are thread-safe by contract; the state they guard lives in the
/// owner (e.g. `AuditWriter`) and is only touched between `lock()` and `unlock()`.
package final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let work: UnsafeMutablePointer<pthread_cond_t>
    private let progress: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        mutex = .allocate(capacity: 1)
        work = .allocate(capacity: 1)
        progress = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are monotonic: a wall-clock jump must not stretch or cut a batch window.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(work, &attributes)
        pthread_cond_init(progress, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(work)
        pthread_cond_destroy(progress)
        pthread_mutex_destroy(mutex)
        work.deallocate()
        progress.deallocate()
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the lock.
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Wakes the thread waiting for work.
    package func signalWork() { pthread_cond_signal(work) }
    /// Wakes every producer or flusher waiting for progress.
    package func broadcastProgress() { pthread_cond_broadcast(progress) }

    /// Waits for `signalWork` (lock held), until `deadline` when given. Wakes may be
    /// spurious: callers re-check their condition.
    ///
    /// - Returns: true when the deadline passed.
    @discardableResult
    package func waitForWork(until deadline: ContinuousClock.Instant? = nil) -> Bool { wait(work, until: deadline) }
    /// Waits for `broadcastProgress` (lock held).
    package func waitForProgress() { _ = wait(progress, until: nil) }

    private func wait(_ condition: UnsafeMutablePointer<pthread_cond_t>, until deadline: ContinuousClock.Instant?) -> Bool {
        guard let deadline else {
            pthread_cond_wait(condition, mutex)
            return false
        }
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return true }
        // pthread takes an absolute time on the condition's clock (CLOCK_MONOTONIC, see init),
        // which `ContinuousClock.Instant` does not expose: the remaining wait is added to it.
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        let (seconds, attoseconds) = remaining.components
        // A wait longer than an Int of seconds is a wait without end in practice.
        let (sum, overflow) = spec.tv_sec.addingReportingOverflow(Int(clamping: seconds))
        spec.tv_sec = overflow ? .max : sum
        spec.tv_nsec += Int(attoseconds / 1_000_000_000)
        if spec.tv_nsec >= 1_000_000_000 {
            if spec.tv_sec < .max { spec.tv_sec += 1; spec.tv_nsec -= 1_000_000_000 } else { spec.tv_nsec = 999_999_999 }
        }
        return pthread_cond_timedwait(condition, mutex, &spec) == ETIMEDOUT
    }
}
