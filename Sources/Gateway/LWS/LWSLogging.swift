#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import Logging
import Synchronization

/// Process-wide lws log routing: errors and warnings only, into the swift-log logger of
/// the most recently started client or simulator (lws's own notices, one per context,
/// would drown the daemon's log). lws has one log sink per process, hence the global.
package enum LWSLogging {
    /// The logger lws lines go to; set before each context is created.
    static let logger = Mutex<Logger?>(nil)

    /// The lws log levels routed to the logger.
    static let levels = LLL_ERR | LLL_WARN

    private static let configured: Bool = {
        lws_set_log_level(levels, lwsLogEmit)
        return true
    }()

    /// Routes lws's log lines to `logger` from now on.
    package static func configure(_ logger: Logger) {
        self.logger.withLock { $0 = logger }
        _ = configured
    }
}

/// lws's log sink: a plain global C-compatible function. lws calls it on whichever
/// thread logs (a service thread); the logger is read under its mutex.
func lwsLogEmit(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    if level & LLL_DEBUG != 0 {
        // Only on while a client dials, for the errno of a failed connect.
        LWSDialErrors.note(debugLine: String(cString: line))
        return
    }
    guard let logger = LWSLogging.logger.withLock({ $0 }) else { return }
    let text = String(cString: line).trimmingTrailingNewlines()
    if level & LLL_ERR != 0 {
        logger.error("libwebsockets", metadata: ["lws.line": "\(text)"])
    } else {
        logger.warning("libwebsockets", metadata: ["lws.line": "\(text)"])
    }
}
