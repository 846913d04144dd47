#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Synchronization
import Testing

@Suite struct NamedThreadTests {
    /// The closure runs on a new thread that carries the given name, and `join` waits for it.
    @Test func runsTheClosureOnAThreadWithTheName() {
        let seen = Mutex<(name: String, isMain: Bool)?>(nil)
        let callerThread = UInt(pthread_self())
        let thread = NamedThread.start(name: "moses-test") {
            seen.withLock { $0 = (NamedThread.currentName, UInt(pthread_self()) == callerThread) }
        }
        thread.join()
        let result = seen.withLock { $0 }
        #expect(result?.name == "moses-test")
        #expect(result?.isMain == false)
    }

    /// The kernel keeps 15 bytes of a name: a longer one is cut, not refused.
    @Test func cutsALongNameToTheKernelsLimit() {
        let seen = Mutex<String?>(nil)
        NamedThread.start(name: "moses-a-very-long-thread-name") { seen.withLock { $0 = NamedThread.currentName } }.join()
        #expect(seen.withLock { $0 } == "moses-a-very-lo")
    }

    /// `join` returns only after the closure has returned.
    @Test func joinWaitsForTheClosure() {
        let lock = ConditionLock()
        let finished = Mutex(false)
        let thread = NamedThread.start(name: "moses-slow") {
            lock.withLock { _ = lock.waitForWork(until: .now + .milliseconds(50)) }
            finished.withLock { $0 = true }
        }
        thread.join()
        #expect(finished.withLock { $0 })
    }
}
