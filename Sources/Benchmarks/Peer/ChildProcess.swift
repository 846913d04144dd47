#if canImport(Glibc)
import Glibc
#endif

/// A process the peer bench measures: started with `posix_spawn`, its output to a log
/// file, reaped with `wait4` so that its own CPU time and peak RSS come from the kernel.
///
/// Owned by the bench thread that started it; not `Sendable`.
final class ChildProcess {
    /// What the kernel counted for the child once it ended.
    struct Usage {
        /// User plus system CPU time, in microseconds.
        var cpuMicroseconds: Int64
        /// Peak resident set size in bytes (`ru_maxrss`).
        var peakResidentBytes: Int64
        /// The raw `wait4` status.
        var status: Int32
        var exitedCleanly: Bool { status == 0 }
    }

    let pid: pid_t
    private var usage: Usage?

    /// Starts `arguments[0]` (a path, or a name looked up in PATH) with `arguments`, the bench's environment plus
    /// `environment`, stdin from /dev/null and stdout and stderr appended to `logPath`.
    init(arguments: [String], environment: [String: String] = [:], logPath: String) throws(PeerBenchError) {
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var inherited: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let name = text.prefix(while: { $0 != "=" })
            if environment[String(name)] == nil { inherited.append(text) }
            index += 1
        }
        let envp: [UnsafeMutablePointer<CChar>?] = (inherited + environment.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var child = pid_t()
        let result = posix_spawnp(&child, arguments[0], &actions, nil, argv, envp)
        guard result == 0 else { throw .cannotStart(arguments[0], errno: result) }
        pid = child
    }

    /// Reaps the child if it has ended (without blocking); its usage once it has.
    func poll() -> Usage? {
        if let usage { return usage }
        var status: Int32 = 0
        var counted = rusage()
        let reaped = wait4(pid, &status, WNOHANG, &counted)
        guard reaped == pid else { return nil }
        func microseconds(_ time: timeval) -> Int64 { Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_usec) }
        usage = Usage(
            cpuMicroseconds: microseconds(counted.ru_utime) + microseconds(counted.ru_stime),
            peakResidentBytes: Int64(counted.ru_maxrss) * 1024, status: status)
        return usage
    }

    /// Waits for the child to end, at most `seconds`; nil if it is still running.
    func wait(seconds: Double) -> Usage? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let usage = poll() { return usage }
            usleep(10_000)
        }
        return poll()
    }

    /// Sends `signal` to a child that has not been reaped yet.
    func send(_ signal: Int32) {
        guard usage == nil else { return }
        kill(pid, signal)
    }

    /// A child left running at the end of a failed round is killed and reaped.
    deinit {
        if usage == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}
