import Testing
@testable import Gateway

@Suite struct GatewayEndpointTests {
    func parts(_ url: String) throws -> [String] {
        let endpoint = try GatewayEndpoint(parsing: url)
        return ["\(endpoint.isTLS)", endpoint.host, "\(endpoint.port)", endpoint.path]
    }

    @Test func parsesSchemeHostPortAndPath() throws {
        #expect(try parts("ws://127.0.0.1:18789") == ["false", "127.0.0.1", "18789", "/"])
        #expect(try parts("wss://gw.example/ws") == ["true", "gw.example", "443", "/ws"])
        #expect(try parts("ws://gw.example") == ["false", "gw.example", "80", "/"])
        #expect(try parts("ws://[::1]:9000/x") == ["false", "::1", "9000", "/x"])
        #expect(try parts("wss://[fe80::1]") == ["true", "fe80::1", "443", "/"])
    }

    @Test func describesItselfWithTheResolvedPort() throws {
        #expect("\(try GatewayEndpoint(parsing: "ws://127.0.0.1"))" == "ws://127.0.0.1:80/")
        #expect("\(try GatewayEndpoint(parsing: "wss://[::1]:9000/x"))" == "wss://[::1]:9000/x")
    }

    /// `user:password@` is dropped (never sent) and the query, sent as written, is not shown.
    @Test func dropsUserInfoAndHidesTheQueryWhenShown() throws {
        let endpoint = try GatewayEndpoint(parsing: "ws://user:secret@127.0.0.1:9000/?token=secret2")
        #expect(try parts("ws://user:secret@127.0.0.1:9000/?token=secret2") == ["false", "127.0.0.1", "9000", "/?token=secret2"])
        #expect(endpoint.hadUserInfo)
        #expect("\(endpoint)" == "ws://127.0.0.1:9000/?***")
        #expect(try parts("ws://h:81?token=x") == ["false", "h", "81", "/?token=x"])
        #expect(try !GatewayEndpoint(parsing: "ws://h:81").hadUserInfo)
    }

    @Test func errorsShowTheURLRedacted() {
        let error = GatewayError.connectFailed(url: "ws://user:secret@h:1/?token=secret2", reason: "refused")
        #expect(error.description == "cannot reach ws://***@h:1/?***: refused")
        #expect(!GatewayError.invalidURL("ftp://user:secret@h/?token=secret2").description.contains("secret"))
    }

    @Test func rejectsWhatIsNoGatewayURL() {
        for url in ["http://h/", "ws://", "ws://:80", "ws://h:0", "ws://h:65536", "ws://h:x", "ws://[::1",
                    "ws://[::1]x", "ws://[a@b]:80"] {
            #expect(throws: GatewayError.invalidURL(url), "\(url)") { try GatewayEndpoint(parsing: url) }
        }
    }
}
