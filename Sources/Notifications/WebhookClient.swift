#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import LWSRuntime
import Synchronization

/// Posts one JSON body to a webhook with lws's HTTP client role (`http://` and `https://`,
/// the system trust store), waiting for the response status or the timeout.
///
/// `post` runs the attempt on the calling thread (the delivery worker's): it creates an lws
/// context, services it until the status line arrives, the connection fails or the timeout
/// fires, and destroys it on the same thread. A context per attempt costs a few
/// milliseconds, nothing next to a webhook round trip, and no half-finished connection can
/// outlive its attempt. `cancel()` is the one call for other threads: it sets a flag and
/// rings `lws_cancel_service`, the only lws call that is safe off the service thread.
/// `Sendable`: its state is a `Mutex` and an `Atomic`.
package final class WebhookClient: Sendable {
    /// The live context as an integer (an `OpaquePointer` is not `Sendable`), or 0; published
    /// under the lock so `cancel()` never rings a destroyed context.
    private let liveContext = Mutex<UInt>(0)
    private let isCancelled = Atomic<Bool>(false)
    /// A private CA file for `https://` webhooks, or nil for the system store.
    package let caFilePath: String?

    package init(caFilePath: String? = nil) {
        self.caFilePath = caFilePath
    }

    /// Posts `body` as `application/json` to `url`.
    ///
    /// - Returns: the HTTP status (any; the caller decides what 2xx means), or why there is none.
    package func post(_ body: [UInt8], to url: WebhookURL, timeoutMs: Int) -> Result<Int, NotificationError> {
        lws_set_log_level(LLL_ERR | LLL_WARN, nil)
        let request = WebhookRequest(body: body, url: url)
        let table = UnsafeMutablePointer<lws_protocols>.allocate(capacity: 2)
        table.initialize(repeating: lws_protocols(), count: 2)
        defer { table.deallocate() }
        table[0].name = UnsafePointer(request.cString(WebhookRequest.protocolName))
        table[0].callback = webhookClientCallback

        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.options = UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
        info.protocols = UnsafePointer(table)
        // Unretained: `request` lives on this stack frame until after lws_context_destroy.
        info.user = Unmanaged.passUnretained(request).toOpaque()
        // One connection plus lws's internal pipe.
        info.fd_limit_per_thread = 8
        if let caFilePath { info.client_ssl_ca_filepath = UnsafePointer(request.cString(caFilePath)) }
        guard let context = lws_create_context(&info) else { return .failure(.contextCreationFailed) }
        liveContext.withLock { $0 = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(context))) }
        defer {
            request.timer.cancel()
            liveContext.withLock { $0 = 0 }
            lws_context_destroy(context)
        }
        if isCancelled.load(ordering: .acquiring) { return .failure(.stopped) }

        var connect = lws_client_connect_info()
        connect.context = context
        connect.address = UnsafePointer(request.cString(url.host))
        connect.port = Int32(url.port)
        connect.path = UnsafePointer(request.cString(url.path))
        connect.host = connect.address
        connect.origin = connect.address
        connect.method = UnsafePointer(request.cString("POST"))
        // HTTP/1.1 only: the body path below is the h1 one.
        connect.alpn = UnsafePointer(request.cString("http/1.1"))
        connect.ssl_connection = url.isTLS ? Int32(LCCSCF_USE_SSL.rawValue) : 0
        connect.local_protocol_name = table[0].name
        if lws_client_connect_via_info(&connect) == nil, !request.isDone {
            // A synchronous failure (DNS, socket) gets no callback (lws#2301).
            return .failure(.connectFailed(host: url.host, reason: "the connection could not be started"))
        }
        let deadline = ExecRunner.monotonicMilliseconds() + Int64(timeoutMs)
        request.timer.schedule(on: context, afterMicroseconds: Int64(timeoutMs) * 1000)
        while !request.isDone && !isCancelled.load(ordering: .acquiring) {
            if lws_service(context, 0) < 0 { break }
            // The sul wakes the loop at the deadline, but lws 4.1.6 was seen to run its
            // callback only seconds later (while a client wsi waits for its response), so the
            // deadline is also checked here.
            if ExecRunner.monotonicMilliseconds() >= deadline { request.isTimedOut = true }
        }
        if let status = request.status { return .success(status) }
        if let error = request.error { return .failure(error) }
        if request.isTimedOut { return .failure(.timedOut(channel: "webhook", afterMs: timeoutMs)) }
        if isCancelled.load(ordering: .acquiring) { return .failure(.stopped) }
        return .failure(.closedWithoutResponse(host: url.host))
    }

    /// Interrupts the attempt in progress (it returns `.stopped`) and every later one. Any
    /// thread; idempotent.
    package func cancel() {
        isCancelled.store(true, ordering: .releasing)
        liveContext.withLock { bits in
            guard bits != 0, let raw = UnsafeRawPointer(bitPattern: bits) else { return }
            lws_cancel_service(OpaquePointer(raw))
        }
    }
}

/// One attempt's state, touched only on the thread running `post` (lws callbacks included).
final class WebhookRequest {
    static let protocolName = "moses-webhook"

    let body: [UInt8]
    let url: WebhookURL
    var status: Int?
    var error: NotificationError?
    var isTimedOut = false
    var isBodySent = false
    var isDone: Bool { status != nil || error != nil || isTimedOut }
    private var cStrings: [UnsafeMutablePointer<CChar>] = []
    lazy var timer = LWSTimer { [unowned self] in self.isTimedOut = true }

    init(body: [UInt8], url: WebhookURL) {
        self.body = body
        self.url = url
    }

    deinit { for string in cStrings { free(string) } }

    /// A C copy of `text` that lives as long as the request (lws keeps the pointers).
    func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        cStrings.append(copy)
        return copy
    }

    /// Adds the content headers and asks for the writeable callback that sends the body.
    func appendHeaders(_ wsi: OpaquePointer, cursor: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, room: Int) -> Int32 {
        guard let start = cursor.pointee else { return -1 }
        let end = start + room
        let type = "application/json"
        if lws_add_http_header_by_name(wsi, "content-type:", type, Int32(type.utf8.count), cursor, end) != 0 { return -1 }
        if lws_add_http_header_content_length(wsi, lws_filepos_t(body.count), cursor, end) != 0 { return -1 }
        lws_client_http_body_pending(wsi, 1)
        lws_callback_on_writable(wsi)
        return 0
    }

    /// Writes the whole body in one `LWS_WRITE_HTTP_FINAL` (lws buffers what the socket
    /// does not take at once).
    func writeBody(_ wsi: OpaquePointer) -> Int32 {
        guard !isBodySent else { return 0 }
        isBodySent = true
        let written = LWSHTTPWrite.final(wsi, body: body)
        lws_client_http_body_pending(wsi, 0)
        return written < 0 ? -1 : 0
    }
}

/// The protocol callback of every webhook attempt: a plain global function, as lws needs a C
/// function pointer. The context's user pointer is the `WebhookRequest`, unretained: `post`
/// keeps it alive past `lws_context_destroy`.
func webhookClientCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    let request = Unmanaged<WebhookRequest>.fromOpaque(owner).takeUnretainedValue()
    switch reason {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        guard let input else { return -1 }
        return request.appendHeaders(
            wsi, cursor: input.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self), room: length)
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return request.writeBody(wsi)
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        // The status line is all a delivery needs; the body is not read.
        request.status = Int(lws_http_client_http_response(wsi))
        return 0
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        let reason = input.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) }
        if request.status == nil {
            request.error = .connectFailed(host: request.url.host, reason: reason ?? "unknown")
        }
        return 0
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
        // Drain what arrives (lws requires it); the bytes come back as RECEIVE_CLIENT_HTTP_READ.
        let pre = clws_pre()
        var buffer = [CChar](repeating: 0, count: pre + 1024)
        return buffer.withUnsafeMutableBufferPointer { raw in
            var cursor: UnsafeMutablePointer<CChar>? = raw.baseAddress! + pre
            var room: Int32 = 1024
            return lws_http_client_read(wsi, &cursor, &room) < 0 ? -1 : 0
        }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        return 0
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP, LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if request.status == nil && request.error == nil {
            request.error = .closedWithoutResponse(host: request.url.host)
        }
        return 0
    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
}

