#if canImport(Glibc)
import Glibc
#endif

/// Runs the exec channel's program once per notification: the JSON on its standard input,
/// exit status 0 = delivered. A program still running at the timeout is killed (SIGKILL).
///
/// The program gets a minimal environment (`PATH` only: the daemon's environment may hold
/// secrets), standard output on /dev/null, the daemon's standard error (so its complaints
/// reach the journal), and no other descriptor: every one above 2 is closed in the child
/// (`ChildDescriptors`), so a program cannot reach the daemon's signal pipe, sockets or
/// store whether or not their opener marked them close-on-exec. Standard input is one end
/// of a Unix socket pair rather than a pipe, so a program that exits without reading cannot
/// raise SIGPIPE in the daemon (`send` with `MSG_NOSIGNAL`).
///
/// Stateless; `run` blocks its caller (the delivery worker's thread).
package struct ExecRunner: Sendable {
    /// The program's absolute path.
    package var program: String

    package init(program: String) {
        self.program = program
    }

    /// Runs the program with `input` on its standard input.
    ///
    /// - Parameters:
    ///   - input: the bytes to write (the violation JSON and a newline).
    ///   - timeoutMs: how long the program may run.
    ///   - isCancelled: polled while waiting; true kills the program and returns `.stopped`.
    /// - Returns: success for exit status 0, else why not.
    package func run(
        input: [UInt8], timeoutMs: Int, isCancelled: () -> Bool = { false }
    ) -> Result<Void, NotificationError> {
        var sockets: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0 else {
            return .failure(.spawnFailed(program: program, errno: errno))
        }
        let ours = sockets[0], theirs = sockets[1]
        defer { close(ours) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, theirs, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Last, after the dup2 above made the socket standard input.
        ChildDescriptors.closeAboveStandard(in: &actions)

        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup(program), nil]
        let environment: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/local/bin:/usr/bin:/bin"), nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in environment { free(pointer) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program, &actions, nil, arguments, environment)
        close(theirs)
        guard spawned == 0 else { return .failure(.spawnFailed(program: program, errno: spawned)) }

        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        var sent = 0
        var isInputClosed = false
        while true {
            if !isInputClosed {
                let result = input.withUnsafeBytes { raw in
                    send(ours, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                }
                if result > 0 { sent += result }
                // Done, or the program stopped reading (EPIPE/ECONNRESET): its exit status decides.
                if sent == input.count || (result < 0 && errno != EAGAIN && errno != EINTR) {
                    shutdown(ours, Int32(SHUT_WR))
                    isInputClosed = true
                }
            }
            var status: Int32 = 0
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { return Self.outcome(program: program, status: status) }
            if waited < 0 && errno != EINTR { return .failure(.programFailed(program: program, status: "vanished")) }
            if isCancelled() {
                Self.kill(pid)
                return .failure(.stopped)
            }
            if ContinuousClock.now >= deadline {
                Self.kill(pid)
                return .failure(.timedOut(channel: "exec", afterMs: timeoutMs))
            }
            // Wait for the socket to take more input or 5 ms, whichever first: there is no
            // descriptor to wait on for the child's exit without a pidfd.
            var descriptor = pollfd(fd: ours, events: isInputClosed ? 0 : Int16(POLLOUT), revents: 0)
            _ = poll(&descriptor, 1, 5)
        }
    }

    private static func outcome(program: String, status: Int32) -> Result<Void, NotificationError> {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            return code == 0 ? .success(()) : .failure(.programFailed(program: program, status: "exited with status \(code)"))
        }
        return .failure(.programFailed(program: program, status: "killed by signal \(signal)"))
    }

    private static func kill(_ pid: pid_t) {
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

}
