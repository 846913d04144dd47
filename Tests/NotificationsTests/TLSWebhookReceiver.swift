#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import LWSRuntime
import Synchronization
import TestSupport

/// An `https://` webhook receiver for tests: lws's server role with TLS on 127.0.0.1, a
/// self-signed certificate made by the openssl command, its own service thread. Records each
/// POST body and answers 200.
final class TLSWebhookReceiver: Sendable {
    struct Shared {
        var port: Int?
        var bodies: [String] = []
        /// The body being received, by connection (the wsi's address).
        var partial: [UInt: [UInt8]] = [:]
    }

    let certificatePath: String
    let keyPath: String
    let shared = Mutex(Shared())
    let service = ServiceThread()

    /// Makes the certificate (CN and SANs 127.0.0.1) and starts listening on a free port.
    init(in directory: TemporaryDirectory) throws {
        certificatePath = directory.file("cert.pem")
        keyPath = directory.file("key.pem")
        let status = Self.spawnAndWait("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath,
            "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1",
        ])
        guard status == 0 else { throw Failure(reason: "openssl req exited with \(status)") }
        service.start(name: "tls-receiver") { [self] in serve() }
        guard waitUntil(seconds: 10, { shared.withLock { $0.port != nil } }), let port = self.port, port > 0 else {
            stop()
            throw Failure(reason: "the TLS receiver did not start")
        }
    }

    struct Failure: Error {
        var reason: String
    }

    var port: Int? { shared.withLock { $0.port } }
    var bodies: [String] { shared.withLock { $0.bodies } }

    func stop() {
        service.stop()
    }

    private func serve() {
        let settings = LWSContextSettings(protocolName: "tls-webhook", callback: tlsWebhookReceiverCallback, user: self)
        settings.info.port = 0
        settings.info.iface = UnsafePointer(settings.cString("127.0.0.1"))
        settings.info.options = UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
        settings.info.ssl_cert_filepath = UnsafePointer(settings.cString(certificatePath))
        settings.info.ssl_private_key_filepath = UnsafePointer(settings.cString(keyPath))
        let isCreated = service.runContext(settings, started: { context in
            let port = lws_get_vhost_by_name(context, "default").map { Int(lws_get_vhost_listen_port($0)) } ?? -1
            shared.withLock { $0.port = port }
            if port < 0 { service.requestStop() }
        })
        if !isCreated { shared.withLock { $0.port = -1 } }
    }

    static func spawnAndWait(_ program: String, _ arguments: [String]) -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid = pid_t()
        guard posix_spawn(&pid, program, &actions, nil, argv, nil) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}

/// The receiver's protocol callback (a plain global function for lws). The context user
/// pointer is the receiver, unretained (the test holds it until `stop()` returns).
func tlsWebhookReceiverCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let receiver = LWSContextSettings.owner(of: wsi, as: TLSWebhookReceiver.self) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(wsi)))
    switch reason {
    case LWS_CALLBACK_HTTP:
        receiver.shared.withLock { $0.partial[key] = [] }
        return 0  // the body follows as HTTP_BODY
    case LWS_CALLBACK_HTTP_BODY:
        if let input {
            let chunk = Array(UnsafeRawBufferPointer(start: input, count: length))
            receiver.shared.withLock { $0.partial[key, default: []] += chunk }
        }
        return 0
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        receiver.shared.withLock { state in
            state.bodies.append(String(decoding: state.partial.removeValue(forKey: key) ?? [], as: UTF8.self))
        }
        let pre = clws_pre()
        var buffer = [UInt8](repeating: 0, count: pre + 512)
        let failed = buffer.withUnsafeMutableBufferPointer { raw -> Bool in
            let start = raw.baseAddress! + pre
            var cursor: UnsafeMutablePointer<UInt8>? = start
            if lws_add_http_common_headers(wsi, UInt32(HTTP_STATUS_OK.rawValue), "text/plain", 0, &cursor, raw.baseAddress! + raw.count) != 0 {
                return true
            }
            return lws_finalize_write_http_header(wsi, start, &cursor, raw.baseAddress! + raw.count) != 0
        }
        if failed { return -1 }
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
}
