import Runtime
import Testing

@Suite struct HostPortTests {
    /// Hosts and ports as written in URLs and listening addresses.
    @Test(arguments: [
        ("example.com", HostPort(host: "example.com", port: nil)),
        ("example.com:8080", HostPort(host: "example.com", port: 8080)),
        ("127.0.0.1:1", HostPort(host: "127.0.0.1", port: 1)),
        ("[::1]", HostPort(host: "::1", port: nil)),
        ("[::1]:9464", HostPort(host: "::1", port: 9464)),
        ("host:65535", HostPort(host: "host", port: 65_535)),
    ])
    func parses(text: String, expected: HostPort) throws {
        #expect(try HostPort(parsing: Substring(text)) == expected)
    }

    /// Each problem is told apart, the bad port as written.
    @Test(arguments: [
        ("[::1", HostPort.Problem.unclosedBracket),
        ("[::1]x", .junkAfterBracket),
        ("[::1]:", .badPort("")),
        ("", .noHost),
        (":80", .noHost),
        ("[]:80", .noHost),
        ("host:0", .badPort("0")),
        ("host:65536", .badPort("65536")),
        ("host:http", .badPort("http")),
        ("host:-1", .badPort("-1")),
        ("host:99999999999999999999999", .badPort("99999999999999999999999")),
    ])
    func refuses(text: String, problem: HostPort.Problem) {
        #expect(throws: problem) { try HostPort(parsing: Substring(text)) }
    }

    /// A listening address may ask for port 0 (any free port); a URL may not.
    @Test func portZeroOnlyForListening() throws {
        #expect(try HostPort(parsing: "127.0.0.1:0", allowsPortZero: true) == HostPort(host: "127.0.0.1", port: 0))
        #expect(throws: HostPort.Problem.badPort("0")) { try HostPort(parsing: "127.0.0.1:0") }
    }

    /// An IPv6 host goes back into brackets for a URL; a name does not.
    @Test func bracketsIPv6Hosts() {
        #expect(HostPort.bracketed("::1") == "[::1]")
        #expect(HostPort.bracketed("example.com") == "example.com")
    }
}
