import Testing
@testable import Notifications

@Suite struct WebhookURLTests {
    @Test func parsesSchemeHostPortAndPath() throws {
        let plain = try WebhookURL(parsing: "http://127.0.0.1:8080/hooks/moses?token=abc")
        #expect(!plain.isTLS && plain.host == "127.0.0.1" && plain.port == 8080 && plain.path == "/hooks/moses?token=abc")
        let tls = try WebhookURL(parsing: "https://hooks.example")
        #expect(tls.isTLS && tls.port == 443 && tls.path == "/")
        let v6 = try WebhookURL(parsing: "http://[::1]:9000/x")
        #expect(v6.host == "::1" && v6.port == 9000)
    }

    @Test func descriptionLeavesTheQueryOut() throws {
        #expect("\(try WebhookURL(parsing: "http://127.0.0.1:8080/h?token=abc"))" == "http://127.0.0.1:8080/h?***")
    }

    @Test func rejectsWhatLwsCannotPost() {
        for text in ["ftp://x/", "http://", "http://host:0/", "http://user:pw@host/", "http://host:99999/"] {
            #expect(throws: NotificationError.self, "\(text)") { try WebhookURL(parsing: text) }
        }
    }

    @Test func namesWhatIsWrongWithoutEchoingTheURL() {
        let cases: [(String, String)] = [
            ("http://[::1/x", "unclosed IPv6 bracket"),
            ("http://[::1]x/", "junk after the IPv6 address"),
            ("http://:8080/", "no host"),
            ("http://host:99999/", "the port must be 1…65535"),
            ("http://user:pw@host/", "credentials in the URL are not supported"),
        ]
        for (text, reason) in cases {
            #expect(throws: NotificationError.invalidWebhookURL(reason: reason), "\(text)") { try WebhookURL(parsing: text) }
        }
    }
}
