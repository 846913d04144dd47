import Testing
@testable import WireFormats

@Suite struct RedactedURLTests {
    @Test func hidesUserInfoAndTheWholeQuery() {
        let table: [(String, String)] = [
            ("ws://user:secret@127.0.0.1:18789/?token=secret2", "ws://***@127.0.0.1:18789/?***"),
            ("wss://gw.example/ws?token=abc&x=1#frag", "wss://gw.example/ws?***#frag"),
            ("https://hooks.example:8443/h?sig=abc", "https://hooks.example:8443/h?***"),
            ("ws://[::1]:9000", "ws://[::1]:9000"),
            ("ws://user@h?token=x", "ws://***@h?***"),
            ("http://h/path", "http://h/path"),
            ("not a url?token=x", "***"),
            ("", ""),
        ]
        for (url, shown) in table {
            #expect(RedactedURL(url).description == shown, "\(url)")
        }
    }
}
