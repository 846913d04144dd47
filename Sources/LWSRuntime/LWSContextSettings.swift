#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets

/// An lws protocol callback: a plain global function, as lws keeps a C function pointer.
package typealias LWSCallback = @convention(c) (
    OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int
) -> Int32

/// What `lws_create_context` reads (`info`) and the memory its pointers point into: a
/// one-protocol table and C copies of strings, which lws keeps using while the context
/// lives. Pass the settings to `ServiceThread.runContext`.
///
/// Owned by the session that runs the context and kept until after the context is
/// destroyed; thread-bound to that service thread. Freed in `deinit`.
package final class LWSContextSettings {
    /// The creation info; its `protocols` and `user` are set, the rest is the caller's.
    package var info = lws_context_creation_info()
    /// The one protocol (a zeroed second entry ends the table), for per-protocol settings.
    package let protocolEntry: UnsafeMutablePointer<lws_protocols>
    private var cStrings: [UnsafeMutablePointer<CChar>] = []

    /// Settings for a context with one protocol.
    ///
    /// - Parameters:
    ///   - protocolName: the protocol's name (a client connection asks for it by name).
    ///   - callback: the protocol's callback, a plain global function.
    ///   - user: the context's user pointer, unretained: the caller keeps `user` alive until
    ///     after the context is destroyed. Callbacks get it back with `owner(of:as:)`.
    package init(protocolName: String, callback: LWSCallback, user: AnyObject) {
        protocolEntry = .allocate(capacity: 2)
        protocolEntry.initialize(repeating: lws_protocols(), count: 2)
        protocolEntry[0].callback = callback
        protocolEntry[0].name = UnsafePointer(cString(protocolName))
        info.protocols = UnsafePointer(protocolEntry)
        info.user = Unmanaged.passUnretained(user).toOpaque()
    }

    /// Settings for a client-only context (no listener; TLS initialised, trusting
    /// `caFilePath` when given, else the system store).
    package convenience init(clientProtocol protocolName: String, callback: LWSCallback, user: AnyObject, caFilePath: String?) {
        self.init(protocolName: protocolName, callback: callback, user: user)
        info.port = CONTEXT_PORT_NO_LISTEN
        info.options = UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
        if let caFilePath { info.client_ssl_ca_filepath = UnsafePointer(cString(caFilePath)) }
    }

    deinit {
        for string in cStrings { free(string) }
        protocolEntry.deallocate()
    }

    /// A C copy of `text` that lives as long as these settings.
    package func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        cStrings.append(copy)
        return copy
    }

    /// The user object of the context `wsi` belongs to, as given to `init`; nil for a
    /// callback without a connection or context. Service thread, inside a callback.
    package static func owner<Owner: AnyObject>(of wsi: OpaquePointer?, as type: Owner.Type) -> Owner? {
        guard let wsi, let context = lws_get_context(wsi), let user = lws_context_user(context) else { return nil }
        return Unmanaged<Owner>.fromOpaque(user).takeUnretainedValue()
    }
}
