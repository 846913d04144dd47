#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import Testing
@testable import MetricsEndpoint

@Suite struct MetricsServerTests {
    /// GET /metrics over real loopback HTTP answers 200 with the Prometheus text of the
    /// snapshot at that moment; other paths answer 404.
    @Test func servesMetricsOverLoopbackHTTP() throws {
        let scrapes = Atomic<Int>(0)
        let server = MetricsServer(port: 0, logger: Logger(label: "metrics-tests")) {
            scrapes.add(1, ordering: .relaxed)
            var snapshot = PrometheusTextTests.sampleSnapshot()
            snapshot.add("moses_test_scrapes_total", value: Double(scrapes.load(ordering: .relaxed)), help: "Scrapes of this test's server.")
            return snapshot
        }
        let port = try server.start()
        defer { server.stop() }
        #expect(port > 0 && server.port == port)

        let first = try HTTPGet.fetch(port: port, path: "/metrics")
        #expect(first.status == 200)
        #expect(first.headers["content-type"] == "text/plain; version=0.0.4")
        let parsed = try PrometheusTextParser(first.body)
        #expect(parsed.value("moses_engine_events_total") == 42)
        #expect(parsed.value("moses_test_scrapes_total") == 1)
        #expect(Int(first.headers["content-length"] ?? "") == first.body.utf8.count)

        let second = try HTTPGet.fetch(port: port, path: "/metrics")
        #expect(try PrometheusTextParser(second.body).value("moses_test_scrapes_total") == 2)

        let missing = try HTTPGet.fetch(port: port, path: "/")
        #expect(missing.status == 404)
        #expect(server.metrics.map(\.value) == [2, 1])
    }

    @Test func stopClosesTheListener() throws {
        let server = MetricsServer(port: 0, logger: Logger(label: "metrics-tests")) { MetricsSnapshot() }
        let port = try server.start()
        server.stop()
        #expect(throws: HTTPGet.Failure.self) { try HTTPGet.fetch(port: port, path: "/metrics") }
    }

    @Test func addressParsing() throws {
        let logger = Logger(label: "metrics-tests")
        let server = try MetricsServer(address: "127.0.0.1:9464", logger: logger) { MetricsSnapshot() }
        #expect(server.host == "127.0.0.1" && server.requestedPort == 9464)
        let v6 = try MetricsServer(address: "[::1]:0", logger: logger) { MetricsSnapshot() }
        #expect(v6.host == "::1")
        #expect(throws: MetricsEndpointError.invalidAddress("nope")) {
            try MetricsServer(address: "nope", logger: logger) { MetricsSnapshot() }
        }
    }
}

/// A plain-socket HTTP/1.0 GET against 127.0.0.1, reading to EOF.
enum HTTPGet {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error {
        var reason: String
    }

    static func fetch(port: Int, path: String) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(reason: "connect: errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
            // Stop at a complete response: headers plus content-length bytes.
            if let response = parse(received), Int(response.headers["content-length"] ?? "") == response.body.utf8.count {
                return response
            }
        }
        guard let response = parse(received) else { throw Failure(reason: "no response") }
        return response
    }

    private static func parse(_ bytes: [UInt8]) -> Response? {
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == [13, 10, 13, 10] }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            return nil
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return Response(status: status, headers: headers, body: String(decoding: bytes[(end + 4)...], as: UTF8.self))
    }
}
