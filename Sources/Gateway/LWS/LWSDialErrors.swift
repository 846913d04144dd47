#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Synchronization

/// The kernel's reason a dial failed, as lws 4.1 saw it.
///
/// lws 4.1.6 reads the socket's `SO_ERROR` (so it is gone when we look), closes the socket,
/// then reports only "Unable to connect" in `CLIENT_CONNECTION_ERROR`. The errno is in one
/// of its debug lines ("getsockopt fd 23 says err 111"), so debug lines are switched on
/// while some client dials (a few dozen lines per attempt) and off again once it is
/// connected or failed: never on while frames flow. Thread-safe (one mutex); lws has
/// one log level per process, hence the global.
enum LWSDialErrors {
    private struct State {
        var dialing = 0
        /// The last error lws read, by socket descriptor.
        var last: (descriptor: Int32, code: Int32)?
    }

    private static let state = Mutex(State())

    /// The debug line that carries the errno; a later lws may word it differently, and
    /// then the reason is lws's own text again.
    private static let marker = " says err "

    /// A client starts dialing: lws's debug lines are read until `endDialing`.
    static func beginDialing() {
        state.withLock { state in
            state.dialing += 1
            if state.dialing == 1 { lws_set_log_level(LWSLogging.levels | LLL_DEBUG, lwsLogEmit) }
        }
    }

    /// A client is connected, failed, or stopped dialing.
    static func endDialing() {
        state.withLock { state in
            guard state.dialing > 0 else { return }
            state.dialing -= 1
            if state.dialing == 0 { lws_set_log_level(LWSLogging.levels, lwsLogEmit) }
        }
    }

    /// Reads a debug line; keeps the errno of "getsockopt fd N says err E".
    static func note(debugLine line: String) {
        guard let says = line.firstRange(of: marker), let fd = line.firstRange(of: "getsockopt fd ") else { return }
        let code = Int32(line[says.upperBound...].prefix { $0.isNumber }) ?? 0
        let descriptor = Int32(line[fd.upperBound...].prefix { $0.isNumber }) ?? -1
        guard code > 0 else { return }
        state.withLock { $0.last = (descriptor, code) }
    }

    /// The reason of the last failed dial ("connection refused"), nil when lws logged none;
    /// forgets it.
    static func takeReason() -> String? {
        guard let code = state.withLock({ state -> Int32? in
            defer { state.last = nil }
            return state.last?.code
        }) else { return nil }
        let text = String(cString: strerror(code))
        // strerror capitalizes ("Connection refused"); the log line continues a sentence.
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
