#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import LWSRuntime
import Logging
import Runtime
import Synchronization

/// Why the metrics endpoint could not start.
package enum MetricsEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The address is not `host:port` with a port in 0…65535.
    case invalidAddress(String)
    /// lws could not create the listening context (address in use, bad interface).
    case cannotListen(address: String)

    package var description: String {
        switch self {
        case .invalidAddress(let address): "metrics address '\(address)' is not host:port"
        case .cannotListen(let address): "cannot listen for /metrics on \(address)"
        }
    }
}

/// The `/metrics` endpoint: lws's HTTP server role on a loopback address, on its own service
/// thread. `GET /metrics` answers 200 with the Prometheus text of the snapshot that
/// `snapshot` returns at that moment; anything else answers 404.
///
/// Owned by the daemon; `start`, `stop`, `port` and `counters` may be called from any thread.
/// `snapshot` runs on the service thread, so it must be cheap and thread-safe (reading
/// atomics and mutex-guarded counters). The lws context is created, serviced and destroyed
/// on the service thread; the only call made from other threads is `lws_cancel_service`.
/// `Sendable`: its state is a `Mutex` and `Atomic`s.
package final class MetricsServer: Sendable {
    package let host: String
    package let requestedPort: Int
    let snapshot: @Sendable () -> MetricsSnapshot
    let logger: Logger

    /// nil until the thread has tried to listen; then the port, or -1 on failure.
    private let boundPort = Mutex<Int?>(nil)
    let thread = ServiceThread()
    /// Requests answered 200.
    let served = Atomic<Int>(0)
    /// Requests answered 404.
    let notFound = Atomic<Int>(0)

    /// A server for `host:port` (port 0: any free port, see `port` after `start`).
    package init(host: String = "127.0.0.1", port: Int, logger: Logger, snapshot: @escaping @Sendable () -> MetricsSnapshot) {
        self.host = host
        self.requestedPort = port
        self.logger = logger
        self.snapshot = snapshot
    }

    /// A server for an address from the configuration, `host:port` or `[v6]:port`.
    ///
    /// - Throws: `MetricsEndpointError.invalidAddress`.
    package convenience init(
        address: String, logger: Logger, snapshot: @escaping @Sendable () -> MetricsSnapshot
    ) throws(MetricsEndpointError) {
        guard let parsed = try? HostPort(parsing: Substring(address), allowsPortZero: true), let port = parsed.port else {
            throw .invalidAddress(address)
        }
        self.init(host: parsed.host, port: port, logger: logger, snapshot: snapshot)
    }

    /// Starts the service thread and waits until it listens.
    ///
    /// - Returns: the port it listens on.
    /// - Throws: `MetricsEndpointError.cannotListen`.
    @discardableResult
    package func start() throws(MetricsEndpointError) -> Int {
        thread.start(name: "moses-metrics") { [self] in MetricsSession(server: self).run() }
        // Wait for the thread's verdict: listening or not. A poll with a short pause: this
        // happens once at start-up, before anything else depends on it.
        while true {
            if let port = boundPort.withLock({ $0 }) {
                guard port >= 0 else {
                    stop()
                    throw .cannotListen(address: "\(host):\(requestedPort)")
                }
                logger.notice("metrics endpoint listening", metadata: ["metrics.address": "\(host):\(port)"])
                return port
            }
            usleep(1_000)
        }
    }

    /// The port listened on, or nil before `start` succeeded.
    package var port: Int? { boundPort.withLock { $0.flatMap { $0 >= 0 ? $0 : nil } } }

    /// Requests answered, as metric samples (`moses_metrics_requests_total{outcome=…}`).
    package var metrics: [(name: String, value: Int)] {
        [
            ("moses_metrics_requests_total{outcome=\"ok\"}", served.load(ordering: .relaxed)),
            ("moses_metrics_requests_total{outcome=\"not_found\"}", notFound.load(ordering: .relaxed)),
        ]
    }

    /// Stops the service thread and closes the listener. Any thread but the service thread;
    /// idempotent.
    package func stop() {
        thread.stop()
    }

    // MARK: Service thread

    /// Records whether the thread listens: the port, or -1 when it could not.
    func reportListening(on port: Int) {
        boundPort.withLock { $0 = port }
    }
}

/// The service thread's state: the lws context and the responses waiting for their writeable
/// callback. Service thread only.
final class MetricsSession {
    let server: MetricsServer
    /// Bodies to write, by connection.
    var pending: [OpaquePointer: [UInt8]] = [:]

    static let protocolName = "moses-metrics"

    init(server: MetricsServer) {
        self.server = server
    }

    func run() {
        lws_set_log_level(LLL_ERR | LLL_WARN, nil)
        // Unretained: the thread holds this session until after lws_context_destroy.
        let settings = LWSContextSettings(protocolName: Self.protocolName, callback: metricsServerCallback, user: self)
        settings.info.port = Int32(server.requestedPort)
        settings.info.iface = UnsafePointer(settings.cString(server.host))
        settings.info.fd_limit_per_thread = 64
        let isCreated = server.thread.runContext(settings, started: { context in
            guard let vhost = lws_get_vhost_by_name(context, "default") else {
                server.reportListening(on: -1)
                server.thread.requestStop()
                return
            }
            server.reportListening(on: Int(lws_get_vhost_listen_port(vhost)))
        })
        if !isCreated { server.reportListening(on: -1) }
        pending.removeAll()
    }

    /// Answers one request: the metrics for `GET /metrics`, 404 for anything else.
    func request(_ wsi: OpaquePointer, uri: String) -> Int32 {
        let isGet = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0
        guard isGet, uri == "/metrics" else {
            server.notFound.add(1, ordering: .relaxed)
            if lws_return_http_status(wsi, UInt32(HTTP_STATUS_NOT_FOUND.rawValue), nil) != 0 { return -1 }
            return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
        }
        let body = Array(PrometheusText.render(server.snapshot()).utf8)
        let pre = clws_pre()
        var buffer = [UInt8](repeating: 0, count: pre + 512)
        let failed = buffer.withUnsafeMutableBufferPointer { raw -> Bool in
            let start = raw.baseAddress! + pre
            let end = raw.baseAddress! + raw.count
            var cursor: UnsafeMutablePointer<UInt8>? = start
            if lws_add_http_common_headers(
                wsi, UInt32(HTTP_STATUS_OK.rawValue), PrometheusText.contentType, lws_filepos_t(body.count), &cursor, end) != 0 {
                return true
            }
            return lws_finalize_write_http_header(wsi, start, &cursor, end) != 0
        }
        if failed { return -1 }
        pending[wsi] = body
        server.served.add(1, ordering: .relaxed)
        lws_callback_on_writable(wsi)
        return 0
    }

    /// Writes a waiting body in one `LWS_WRITE_HTTP_FINAL` (lws buffers any remainder).
    func writeable(_ wsi: OpaquePointer) -> Int32 {
        guard let body = pending.removeValue(forKey: wsi) else { return 0 }
        if LWSHTTPWrite.final(wsi, body: body) < 0 { return -1 }
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    }
}

/// The metrics protocol callback: a plain global function, as lws needs a C function
/// pointer. The context's user pointer is the `MetricsSession`, unretained (its thread
/// holds it).
func metricsServerCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let session = LWSContextSettings.owner(of: wsi, as: MetricsSession.self) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    switch reason {
    case LWS_CALLBACK_HTTP:
        let uri = input.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
        return session.request(wsi, uri: uri)
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return session.writeable(wsi)
    case LWS_CALLBACK_CLOSED_HTTP, LWS_CALLBACK_WSI_DESTROY:
        session.pending[wsi] = nil
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
}

