#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Synchronization

/// A tiny HTTP/1.1 receiver on 127.0.0.1 (plain sockets, its own thread): the webhook's far
/// end. It answers every request with the current `status` and records each request body
/// with the status it got.
final class LoopbackHTTPReceiver: Sendable {
    struct Request: Sendable, Equatable {
        var method: String
        var path: String
        var contentType: String
        var body: String
        var status: Int
    }

    private struct State {
        var status: Int
        var requests: [Request] = []
        var isStopped = false
        var thread: NamedThread?
    }

    let port: Int
    private let listener: Int32
    private let state: Mutex<State>

    init(status: Int) {
        state = Mutex(State(status: status))
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                precondition(bind(listener, raw, length) == 0, "bind failed: \(errno)")
                precondition(getsockname(listener, raw, &length) == 0)
            }
        }
        precondition(listen(listener, 16) == 0)
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = NamedThread.start(name: "http-receiver") { [self] in serve() }
        state.withLock { $0.thread = thread }
    }

    var url: String { "http://127.0.0.1:\(port)/hook?token=secret" }

    var status: Int {
        get { state.withLock { $0.status } }
        set { state.withLock { $0.status = newValue } }
    }

    var requests: [Request] { state.withLock { $0.requests } }

    /// Bodies answered 2xx, trimmed of the trailing newline.
    var acceptedBodies: [String] {
        requests.filter { (200..<300).contains($0.status) }.map { $0.body.hasSuffix("\n") ? String($0.body.dropLast()) : $0.body }
    }

    func stop() {
        let thread: NamedThread? = state.withLock { state in
            state.isStopped = true
            defer { state.thread = nil }
            return state.thread
        }
        thread?.join()
        close(listener)
    }

    private func serve() {
        while !state.withLock({ $0.isStopped }) {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 20) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        var contentLength = 0
        var headers = ""
        while true {
            if let end = headerEnd, received.count >= end + contentLength { break }
            var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 2_000) > 0 else { return }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            received += buffer[0..<count]
            if headerEnd == nil, let range = Self.find([13, 10, 13, 10], in: received) {
                headerEnd = range + 4
                headers = String(decoding: received[0..<range], as: UTF8.self)
                for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingSpaces()) ?? 0
                }
            }
        }
        let lines = headers.split(separator: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        let contentType = lines.first { $0.lowercased().hasPrefix("content-type:") }
            .map { String($0.dropFirst("content-type:".count).trimmingSpaces()) } ?? ""
        let body = String(decoding: received[headerEnd!..<(headerEnd! + contentLength)], as: UTF8.self)
        let status = state.withLock { state in
            state.requests.append(Request(
                method: requestLine.count > 0 ? String(requestLine[0]) : "", path: requestLine.count > 1 ? String(requestLine[1]) : "",
                contentType: contentType, body: body, status: state.status))
            return state.status
        }
        let response = Array("HTTP/1.1 \(status) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        _ = response.withUnsafeBytes { write(connection, $0.baseAddress!, $0.count) }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}

extension Substring {
    func trimmingSpaces() -> Substring { drop { $0 == " " } }
}
