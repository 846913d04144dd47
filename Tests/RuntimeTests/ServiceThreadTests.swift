#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import LWSRuntime
import Runtime
import Synchronization
import Testing

/// Wake-ups seen by `serviceThreadTestCallback`.
private let doorbellWakes = Atomic<Int>(0)

/// The test context's protocol callback: a plain global function, as lws needs one.
private func serviceThreadTestCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    if reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED { doorbellWakes.add(1, ordering: .relaxed) }
    return 0
}

@Suite(.serialized) struct ServiceThreadTests {
    /// One context is created on the named service thread, the doorbell wakes its loop from
    /// another thread, and `stop` ends the loop and destroys the context before it returns.
    @Test func runsOneContextOnItsThreadUntilStopped() throws {
        let service = ServiceThread()
        let state = Mutex<(threadName: String?, isStopping: Bool, isDestroyed: Bool)>((nil, false, false))
        service.start(name: "moses-lws-test") {
            let settings = LWSContextSettings(protocolName: "moses-test", callback: serviceThreadTestCallback, user: service)
            settings.info.port = CONTEXT_PORT_NO_LISTEN
            let isCreated = service.runContext(
                settings,
                started: { _ in state.withLock { $0.threadName = NamedThread.currentName } },
                stopping: { _ in state.withLock { $0.isStopping = true } })
            state.withLock { $0.isDestroyed = isCreated }
        }
        #expect(waitUntil { state.withLock { $0.threadName } != nil })
        #expect(state.withLock { $0.threadName } == "moses-lws-test")

        let wakesBefore = doorbellWakes.load(ordering: .relaxed)
        service.ringDoorbell()
        #expect(waitUntil { doorbellWakes.load(ordering: .relaxed) > wakesBefore })

        service.stop()
        #expect(state.withLock { $0.isStopping && $0.isDestroyed })
        #expect(service.contextsCreated == 1)
        service.stop()  // idempotent
    }
}

/// Polls `condition` until it holds or 10 s pass.
func waitUntil(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}
