#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex and condition variable: the delivery worker sleeps on it until its next
/// due time, and `ring()` (a new durable violation, or stop) wakes it early.
///
/// `Synchronization.Mutex` has no condition variable, and waiting with a deadline needs one.
/// `@unchecked Sendable` because the pthread objects are allocated once, never moved, and
/// used only through the pthread calls (thread-safe by contract); `isRung` is read and
/// written only with the mutex held.
final class Doorbell: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var isRung = false

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Monotonic: a wall-clock jump must not stretch a wait.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Wakes the waiter (or makes its next wait return at once). Any thread.
    func ring() {
        pthread_mutex_lock(mutex)
        isRung = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until rung or `milliseconds` pass, then clears the bell.
    func wait(milliseconds: Int64) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let total = Int64(deadline.tv_nsec) + max(0, milliseconds) * 1_000_000
        deadline.tv_sec += Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        pthread_mutex_lock(mutex)
        while !isRung {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
        }
        isRung = false
        pthread_mutex_unlock(mutex)
    }
}
