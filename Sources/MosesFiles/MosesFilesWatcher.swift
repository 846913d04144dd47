#if canImport(Glibc)
import Glibc
#endif
import Governance
import Logging
import Runtime
import Synchronization

/// Watches the MO§ES ledger and `state.json` on a thread of its own and reports what
/// changed: new ledger entries (through `LedgerTail`) and governance state changes.
///
/// It waits on inotify for the files' directories (so creation, rotation and atomic
/// replacement are seen), acting only on events that name one of the two files: the
/// directory may hold busy files of others (the daemon's own store and WAL). It also looks
/// every `pollIntervalMs`, so a missed notification (or a filesystem without inotify) only
/// delays a change. `state.json` is read again only when its identity, size or times
/// changed, so a broken file is counted once per version and warned about once per run
/// of breakage (`RepeatedWarning`), not once per look. `start()` and `stop()` may be called
/// from any thread; the callbacks run on the watcher's thread.
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
        /// The ledger became readable (true), or has not been readable for longer than
        /// `ledgerGraceMs` (false); relative to what `start` was told it was.
        case ledgerReadable(Bool)
    }

    /// Monotonic counters, for `/metrics`.
    package struct Counters: Sendable, Equatable {
        /// Ledger lines that are not ledger entries (malformed or over the length limit).
        package var ledgerLinesRejected: UInt64 = 0
        /// Of those, lines over `LedgerTail.maximumLineBytes`, skipped unread.
        package var ledgerLinesOversized: UInt64 = 0
        /// Versions of `state.json` that could not be used.
        package var stateRejected: UInt64 = 0

        /// Prometheus names and values.
        package var metrics: [(name: String, value: UInt64)] {
            [
                ("moses_files_ledger_lines_rejected_total", ledgerLinesRejected),
                ("moses_files_ledger_lines_oversized_total", ledgerLinesOversized),
                ("moses_files_state_rejected_total", stateRejected),
            ]
        }
    }

    package let ledgerPath: String?
    package let statePath: String?
    package let pollIntervalMs: Int32
    /// How long the ledger may be unreadable (a rotation, a replacement) before it is reported so.
    package let ledgerGraceMs: Int64
    let logger: Logger
    private let onChange: @Sendable (Change) -> Void
    /// The write end of the pipe that wakes the thread to stop; -1 when not running.
    private let control = Mutex<(thread: NamedThread?, wakeWrite: Int32)>((nil, -1))
    fileprivate let counterStore = Mutex(Counters())

    /// - Parameters:
    ///   - ledgerPath: the MO§ES ledger to tail, or nil.
    ///   - statePath: the `state.json` to watch, or nil.
    ///   - logger: where unusable lines and state files are reported (rate-limited).
    ///   - onChange: called on the watcher's thread for each change, in file order.
    package init(
        ledgerPath: String?, statePath: String?, pollIntervalMs: Int32 = 1_000, ledgerGraceMs: Int64 = 0, logger: Logger,
        onChange: @escaping @Sendable (Change) -> Void
    ) {
        self.ledgerPath = ledgerPath
        self.statePath = statePath
        self.pollIntervalMs = pollIntervalMs
        self.ledgerGraceMs = ledgerGraceMs
        self.logger = logger
        self.onChange = onChange
    }

    /// The counters so far (any thread).
    package var counters: Counters { counterStore.withLock { $0 } }

    /// Reads the state file once, synchronously, before the thread starts: the initial state.
    package func initialState() -> Result<GovernanceState, StateFile.ReadError> {
        guard let statePath else { return .success(.default) }
        return Result { () throws(StateFile.ReadError) in try StateFile.read(statePath) }
    }

    /// True when `path` names a file this process can read (the ledger's availability).
    package static func isReadable(_ path: String?) -> Bool {
        guard let path else { return false }
        var status = stat()
        return access(path, R_OK) == 0 && stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Starts the thread. The ledger is followed from its current end, or after a restart
    /// from `ledgerResume`, so that what agents appended while the daemon was down is judged.
    /// `ledgerReadable` is what the caller already knows of the ledger; changes from it are reported.
    package func start(resumingLedger ledgerResume: LedgerTail.ResumePoint? = nil, ledgerReadable: Bool = true) {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Built here: what the files hold at start is the baseline, before this returns.
        let loop = WatchLoop(watcher: self, wakeRead: pipeEnds[0], ledgerResume: ledgerResume, ledgerReadable: ledgerReadable)
        let thread = NamedThread.start(name: "moses-files") { loop.run() }
        control.withLock { $0 = (thread, pipeEnds[1]) }
    }

    /// Stops the thread and waits for it.
    package func stop() {
        let (thread, wakeWrite) = control.withLock { state -> (NamedThread?, Int32) in
            defer { state = (nil, -1) }
            return state
        }
        guard let thread else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        thread.join()
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
    /// The version of `state.json` last read (nil: missing); `.none` before the first read.
    var stateVersion: FileVersion??
    /// Why the version last read was refused, nil when it was usable.
    var lastRejection: String?
    var ledgerWarning = RepeatedWarning()
    var stateWarning = RepeatedWarning()
    /// The (watch, file name) pairs inotify events are matched against.
    var ledgerTarget: (watch: Int32, name: [UInt8])?
    var stateTarget: (watch: Int32, name: [UInt8])?
    /// The ledger's readability as last reported, and since when (monotonic ms) it has not been.
    var isLedgerReadable: Bool
    var ledgerUnreadableSince: Int64?

    init(watcher: MosesFilesWatcher, wakeRead: Int32, ledgerResume: LedgerTail.ResumePoint?, ledgerReadable: Bool) {
        self.watcher = watcher
        self.isLedgerReadable = ledgerReadable
        self.wakeRead = wakeRead
        self.tail = watcher.ledgerPath.map { LedgerTail(path: $0, resume: ledgerResume) }
        if let line = tail?.resumedFromLine {
            watcher.logger.notice("reading the MO§ES ledger lines appended since the last stop", metadata: [MosesFilesLogKey.line: "\(line)"])
        }
        // The state in force when the thread starts is not a change; one that cannot be
        // used is counted (and told) like any later version.
        checkState(isInitial: true)
    }

    func run() {
        defer { close(wakeRead) }
        if let tip = tail?.tipHash { watcher.report(.ledgerTip(tip)) }
        let notify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        defer { if notify >= 0 { close(notify) } }
        if notify >= 0 {
            let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB)
            func watch(_ path: String?) -> (Int32, [UInt8])? {
                guard let path else { return nil }
                let watch = inotify_add_watch(notify, Self.directory(of: path), mask)
                return watch >= 0 ? (watch, Self.name(of: path)) : nil
            }
            ledgerTarget = watch(watcher.ledgerPath)
            stateTarget = watch(watcher.statePath)
        }
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: notify, events: Int16(POLLIN), revents: 0)]
        var events = [UInt8](repeating: 0, count: 16 * 1024)
        var isLedgerDue = true, isStateDue = true, isStateNamed = false
        while true {
            if isLedgerDue { checkLedger() }
            if isStateDue || isStateNamed { checkState(isNamedByEvent: isStateNamed) }
            let ready = poll(&descriptors, nfds_t(notify >= 0 ? 2 : 1), watcher.pollIntervalMs)
            if ready < 0 && errno != EINTR { return }
            if descriptors[0].revents != 0 { return }
            if ready == 0 {
                // The periodic look: cheap (a stat each), and it catches what inotify missed.
                (isLedgerDue, isStateDue) = (true, true)
                continue
            }
            (isLedgerDue, isStateDue, isStateNamed) = (false, false, false)
            if notify >= 0 && descriptors[1].revents != 0 {
                while true {
                    let count = events.withUnsafeMutableBytes { read(notify, $0.baseAddress, $0.count) }
                    guard count > 0 else { break }
                    events.withUnsafeBytes { raw in
                        Self.forEachEvent(in: UnsafeRawBufferPointer(rebasing: raw[0..<count])) { watch, name, mask in
                            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                                (isLedgerDue, isStateDue) = (true, true)
                            }
                            if let target = ledgerTarget, target.watch == watch, name.elementsEqual(target.name) { isLedgerDue = true }
                            if let target = stateTarget, target.watch == watch, name.elementsEqual(target.name) { isStateNamed = true }
                        }
                    }
                }
            }
        }
    }

    private func checkLedger() {
        guard let tail else { return }
        checkLedgerReadable(path: tail.path)
        tail.forEachAppended { item in
            if case .refused(let line, let reason) = item {
                let isOversized = reason == LedgerTail.oversizedReason
                watcher.counterStore.withLock { counters in
                    counters.ledgerLinesRejected &+= 1
                    if isOversized { counters.ledgerLinesOversized &+= 1 }
                }
                ledgerWarning.warn(
                    "ledger line skipped", kind: "ledger",
                    metadata: [MosesFilesLogKey.path: "\(tail.path)", MosesFilesLogKey.line: "\(line)", MosesFilesLogKey.error: "\(reason)"],
                    now: Self.elapsedMilliseconds(), logger: watcher.logger)
            }
            watcher.report(.ledger(item))
        }
    }

    /// Reports the ledger readable at once (before its lines), unreadable only after the grace.
    private func checkLedgerReadable(path: String) {
        if MosesFilesWatcher.isReadable(path) {
            ledgerUnreadableSince = nil
            if !isLedgerReadable {
                isLedgerReadable = true
                watcher.report(.ledgerReadable(true))
            }
            return
        }
        let now = Self.elapsedMilliseconds()
        let since = ledgerUnreadableSince ?? now
        ledgerUnreadableSince = since
        if isLedgerReadable && now - since >= watcher.ledgerGraceMs {
            isLedgerReadable = false
            watcher.report(.ledgerReadable(false))
        }
    }

    /// Reads `state.json` when its version changed or an event named it (a rewrite in
    /// place of the same size within one tick of the file system's clock keeps the
    /// version); a rejection is counted once per version and reason.
    private func checkState(isInitial: Bool = false, isNamedByEvent: Bool = false) {
        guard let statePath = watcher.statePath else { return }
        let version = FileVersion(path: statePath)
        let isNewVersion = stateVersion.map { $0 != version } ?? true
        guard isNewVersion || isNamedByEvent else { return }
        stateVersion = .some(version)
        do {
            let state = try StateFile.read(statePath, defaults: lastState ?? .default)
            stateWarning.clear(logger: watcher.logger)
            lastRejection = nil
            if state != lastState {
                lastState = state
                if !isInitial { watcher.report(.state(state)) }
            }
        } catch {
            defer { lastRejection = error.reason }
            guard isNewVersion || error.reason != lastRejection else { return }
            watcher.counterStore.withLock { $0.stateRejected &+= 1 }
            stateWarning.warn(
                "state file not usable; the previous state stays in force", kind: "state",
                metadata: [MosesFilesLogKey.path: "\(statePath)", MosesFilesLogKey.error: "\(error.reason)"],
                now: Self.elapsedMilliseconds(), logger: watcher.logger)
            if !isInitial { watcher.report(.stateRefused(error.description)) }
        }
    }

    /// Calls `body` with each inotify event's watch, file name (empty for the directory
    /// itself) and mask. Records are `struct inotify_event`: wd, mask, cookie, len (4 bytes
    /// each), then `len` bytes of NUL-padded name.
    static func forEachEvent(in buffer: UnsafeRawBufferPointer, _ body: (Int32, UnsafeRawBufferPointer, UInt32) -> Void) {
        var offset = 0
        while offset + 16 <= buffer.count {
            let watch = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + 16, nameEnd = min(nameStart + length, buffer.count)
            let padded = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<nameEnd])
            let name = UnsafeRawBufferPointer(rebasing: padded[..<(padded.firstIndex(of: 0) ?? padded.endIndex)])
            body(watch, name, mask)
            offset = nameStart + length
        }
    }

    /// Milliseconds on a monotonic scale (from the first call), for the grace and warning
    /// intervals, which compare `Int64` milliseconds.
    static func elapsedMilliseconds() -> Int64 {
        clockOrigin.duration(to: .now).wholeMilliseconds
    }

    private static let clockOrigin = ContinuousClock.now

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func name(of path: String) -> [UInt8] {
        guard let slash = path.lastIndex(of: "/") else { return Array(path.utf8) }
        return Array(path[path.index(after: slash)...].utf8)
    }
}
