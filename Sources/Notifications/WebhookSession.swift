#if canImport(Glibc)
import Glibc
#endif
import CLibWebsockets
import LWSRuntime

/// The webhook client's service-thread state: the lws context and the connections of the
/// attempts in progress, keyed by the id each connection carries as its opaque user data.
///
/// Thread-bound: created, used and released on the service thread. The context's user
/// pointer is this session, unretained: `run()` keeps it alive until after the context is
/// destroyed.
final class WebhookSession {
    static let protocolName = "moses-webhook"

    let service: WebhookService
    private var context: OpaquePointer?
    private var requests: [Int: WebhookRequest] = [:]
    private var nextID = 1

    init(service: WebhookService) {
        self.service = service
    }

    /// Creates the context, takes attempts until the client stops, then destroys it (which
    /// closes any connection left).
    func run() {
        lws_set_log_level(LLL_ERR | LLL_WARN, nil)
        let settings = LWSContextSettings(
            clientProtocol: Self.protocolName, callback: webhookClientCallback, user: self, caFilePath: service.caFilePath)
        // A few connections (one per attempt; a finished one may still be closing) plus
        // lws's internal pipe.
        settings.info.fd_limit_per_thread = 16
        service.thread.runContext(settings, started: start(on:), stopping: { _ in stopAttempts() })
        context = nil
        requests.removeAll()
        // Also after a normal stop: nothing serves attempts from here on. (Attempts of a
        // cancelled client have already ended as `.stopped`.)
        service.refuseAttempts()
    }

    private func start(on context: OpaquePointer) {
        self.context = context
        takeSubmitted()
    }

    /// The client stops: attempts still connecting or waiting end as stopped.
    private func stopAttempts() {
        for request in requests.values { request.attempt.finish(.failure(.stopped)) }
    }

    /// Starts the queued attempts and closes the connections of attempts that ended on the
    /// poster's side (timed out or cancelled). Service thread; on every doorbell.
    func takeSubmitted() {
        for (_, request) in requests where request.attempt.isFinished {
            closeConnection(of: request)
        }
        for attempt in service.takeSubmitted() where !attempt.isFinished {
            connect(attempt)
        }
    }

    private func connect(_ attempt: WebhookAttempt) {
        guard let context else { return }
        let id = nextID
        nextID += 1
        let request = WebhookRequest(attempt: attempt)
        requests[id] = request
        let url = attempt.url
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
        connect.local_protocol_name = UnsafePointer(request.cString(Self.protocolName))
        // The id, not a pointer: a callback for a connection whose request is gone finds nothing.
        connect.opaque_user_data = UnsafeMutableRawPointer(bitPattern: id)
        guard let wsi = lws_client_connect_via_info(&connect) else {
            // A synchronous failure (DNS, socket) gets no callback (lws#2301).
            requests[id] = nil
            attempt.finish(.failure(.connectFailed(host: url.host, reason: "the connection could not be started")))
            return
        }
        // The connection may already have failed and gone inside the call.
        if requests[id] != nil { request.wsi = wsi }
    }

    /// Ends a connection whose attempt is over; lws closes it after the current callback.
    private func closeConnection(of request: WebhookRequest) {
        guard let wsi = request.wsi else { return }
        request.wsi = nil
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
    }

    /// The request a callback is about, if it is still tracked.
    fileprivate func request(for wsi: OpaquePointer) -> (id: Int, request: WebhookRequest)? {
        guard let raw = lws_get_opaque_user_data(wsi) else { return nil }
        let id = Int(bitPattern: raw)
        return requests[id].map { (id, $0) }
    }

    /// Forgets a connection lws is destroying.
    fileprivate func forget(_ id: Int) {
        requests[id] = nil
    }

    /// Finishes the attempt and closes its connection: the status line is all a delivery needs.
    fileprivate func finish(_ request: WebhookRequest, with outcome: Result<Int, NotificationError>) {
        request.attempt.finish(outcome)
        closeConnection(of: request)
    }
}

/// One attempt's connection on the service thread: the C strings lws keeps and whether the
/// body went out.
final class WebhookRequest {
    let attempt: WebhookAttempt
    /// The connection, nil once it is being closed.
    var wsi: OpaquePointer?
    var isBodySent = false
    private var cStrings: [UnsafeMutablePointer<CChar>] = []

    init(attempt: WebhookAttempt) {
        self.attempt = attempt
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
        if lws_add_http_header_content_length(wsi, lws_filepos_t(attempt.body.count), cursor, end) != 0 { return -1 }
        lws_client_http_body_pending(wsi, 1)
        lws_callback_on_writable(wsi)
        return 0
    }

    /// Writes the whole body in one `LWS_WRITE_HTTP_FINAL` (lws buffers what the socket
    /// does not take at once).
    func writeBody(_ wsi: OpaquePointer) -> Int32 {
        guard !isBodySent else { return 0 }
        isBodySent = true
        let written = LWSHTTPWrite.final(wsi, body: attempt.body)
        lws_client_http_body_pending(wsi, 0)
        return written < 0 ? -1 : 0
    }
}

/// The protocol callback of the webhook context: a plain global function, as lws needs a C
/// function pointer. The context's user pointer is the `WebhookSession`, unretained (see
/// there); each connection's opaque user data is its request id.
func webhookClientCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let session = LWSContextSettings.owner(of: wsi, as: WebhookSession.self) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    if reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED {
        session.takeSubmitted()
        return 0
    }
    guard let (id, request) = session.request(for: wsi).map({ ($0.id, $0.request) }) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    switch reason {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        guard let input else { return -1 }
        return request.appendHeaders(
            wsi, cursor: input.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self), room: length)
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return request.writeBody(wsi)
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        session.finish(request, with: .success(Int(lws_http_client_http_response(wsi))))
        return 0
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        let reason = input.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) }
        request.wsi = nil
        session.finish(request, with: .failure(.connectFailed(host: request.attempt.url.host, reason: reason ?? "unknown")))
        session.forget(id)
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
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        session.finish(request, with: .failure(.closedWithoutResponse(host: request.attempt.url.host)))
        return 0
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        request.wsi = nil
        session.finish(request, with: .failure(.closedWithoutResponse(host: request.attempt.url.host)))
        session.forget(id)
        return 0
    case LWS_CALLBACK_WSI_DESTROY:
        session.forget(id)
        return 0
    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
}
