#if canImport(Glibc)
import Glibc
#endif
import Governance
import Synchronization

/// Watches the MO§ES ledger and `state.json` on a thread of its own and reports what
/// changed: new ledger entries (through `LedgerTail`) and governance state changes.
///
/// It waits on inotify for the files' directories (so creation, rotation and atomic
/// replacement are seen) and also looks every `pollIntervalMs`, so a missed notification
/// (or a filesystem without inotify) only delays a change. `start()` and `stop()` may be
/// called from any thread; the callbacks run on the watcher's thread.
package final class MosesFilesWatcher: Sendable {
    /// What the watcher reports.
    package enum Change: Sendable {
        /// The hash of the last line the ledger held when watching began (reported first,
        /// once): the chain the next appended line must link to.
        case ledgerTip(String)
        case ledger(LedgerTail.Item)
        case state(GovernanceState)
        /// The state file could not be used; the previous state stays in force.
        case stateRefused(String)
    }

    package let ledgerPath: String?
    package let statePath: String?
    package let pollIntervalMs: Int32
    private let onChange: @Sendable (Change) -> Void
    /// The write end of the pipe that wakes the thread to stop; -1 when not running.
    private let control = Mutex<(thread: pthread_t?, wakeWrite: Int32)>((nil, -1))

    /// - Parameters:
    ///   - ledgerPath: the MO§ES ledger to tail, or nil.
    ///   - statePath: the `state.json` to watch, or nil.
    ///   - onChange: called on the watcher's thread for each change, in file order.
    package init(ledgerPath: String?, statePath: String?, pollIntervalMs: Int32 = 1_000, onChange: @escaping @Sendable (Change) -> Void) {
        self.ledgerPath = ledgerPath
        self.statePath = statePath
        self.pollIntervalMs = pollIntervalMs
        self.onChange = onChange
    }

    /// Reads the state file once, synchronously, before the thread starts: the initial state.
    package func initialState() -> Result<GovernanceState, StateFile.ReadError> {
        guard let statePath else { return .success(.default) }
        return Result { () throws(StateFile.ReadError) in try StateFile.read(statePath) }
    }

    /// Starts the thread. The ledger is followed from its current end.
    package func start() {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let context = Unmanaged.passRetained(WatchLoop(watcher: self, wakeRead: pipeEnds[0]))
        var thread = pthread_t()
        // The thread takes over the retained loop and releases it when it ends.
        let created = pthread_create(&thread, nil, { raw in
            let loop = Unmanaged<WatchLoop>.fromOpaque(raw!).takeRetainedValue()
            loop.run()
            return nil
        }, context.toOpaque())
        guard created == 0 else {
            context.release()
            close(pipeEnds[0])
            close(pipeEnds[1])
            return
        }
        control.withLock { $0 = (thread, pipeEnds[1]) }
    }

    /// Stops the thread and waits for it.
    package func stop() {
        let (thread, wakeWrite) = control.withLock { state -> (pthread_t?, Int32) in
            defer { state = (nil, -1) }
            return state
        }
        guard let thread else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        pthread_join(thread, nil)
        close(wakeWrite)
    }

    fileprivate func report(_ change: Change) { onChange(change) }
}

/// The watcher thread's state: owned by that thread alone.
private final class WatchLoop {
    let watcher: MosesFilesWatcher
    let wakeRead: Int32
    let tail: LedgerTail?
    var lastState: GovernanceState?

    init(watcher: MosesFilesWatcher, wakeRead: Int32) {
        self.watcher = watcher
        self.wakeRead = wakeRead
        self.tail = watcher.ledgerPath.map { LedgerTail(path: $0) }
        if case .success(let state)? = watcher.statePath.map({ _ in watcher.initialState() }) {
            lastState = state
        }
    }

    func run() {
        defer { close(wakeRead) }
        if let tip = tail?.tipHash { watcher.report(.ledgerTip(tip)) }
        let notify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        defer { if notify >= 0 { close(notify) } }
        if notify >= 0 {
            let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_ATTRIB)
            for path in [watcher.ledgerPath, watcher.statePath].compactMap({ $0 }) {
                _ = inotify_add_watch(notify, Self.directory(of: path), mask)
            }
        }
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: notify, events: Int16(POLLIN), revents: 0)]
        var drain = [UInt8](repeating: 0, count: 4096)
        while true {
            check()
            let ready = poll(&descriptors, nfds_t(notify >= 0 ? 2 : 1), watcher.pollIntervalMs)
            if ready < 0 && errno != EINTR { return }
            if descriptors[0].revents != 0 { return }
            if notify >= 0 && descriptors[1].revents != 0 {
                while drain.withUnsafeMutableBytes({ read(notify, $0.baseAddress, $0.count) }) > 0 {}
            }
        }
    }

    private func check() {
        if let tail {
            for item in tail.readAppended() { watcher.report(.ledger(item)) }
        }
        if let statePath = watcher.statePath {
            do {
                let state = try StateFile.read(statePath, defaults: lastState ?? .default)
                if state != lastState {
                    lastState = state
                    watcher.report(.state(state))
                }
            } catch {
                watcher.report(.stateRefused(error.description))
            }
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
