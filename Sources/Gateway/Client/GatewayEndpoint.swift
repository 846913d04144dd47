import Runtime
import WireFormats

/// A parsed `ws://` or `wss://` gateway URL.
package struct GatewayEndpoint: Sendable, Equatable, CustomStringConvertible {
    package var isTLS: Bool
    package var host: String
    package var port: Int
    /// The request target: path plus query (sent as written; a gateway may take its token
    /// there, which is why `description` hides the query).
    package var path: String
    /// True when the URL carried `user[:password]@`, which is not sent: the gateway
    /// authenticates the token and device, not HTTP credentials.
    package var hadUserInfo: Bool

    /// Parses `ws[s]://[user[:password]@]host[:port][/path]`; IPv6 hosts in brackets.
    ///
    /// - Throws: `GatewayError.invalidURL`.
    package init(parsing url: String) throws(GatewayError) {
        let rest: Substring
        if url.hasPrefix("ws://") { isTLS = false; rest = url.dropFirst(5) }
        else if url.hasPrefix("wss://") { isTLS = true; rest = url.dropFirst(6) }
        else { throw .invalidURL(url) }
        var authority = rest.prefix { $0 != "/" && $0 != "?" }
        let target = rest.dropFirst(authority.count)
        path = target.hasPrefix("/") ? String(target) : "/" + target
        hadUserInfo = false
        if let at = authority.lastIndex(of: "@") {
            // User information holds no brackets (RFC 3986), so one means a broken IPv6 host.
            guard !authority[..<at].contains(where: { $0 == "[" || $0 == "]" }) else { throw .invalidURL(url) }
            authority = authority[authority.index(after: at)...]
            hadUserInfo = true
        }
        let split: HostPort
        do {
            split = try HostPort(parsing: authority)
        } catch {
            throw .invalidURL(url)
        }
        guard !split.host.contains("@") else { throw .invalidURL(url) }
        host = split.host
        port = split.port ?? (isTLS ? 443 : 80)
    }

    /// Scheme, host, port and path; the query shown as `***` (`RedactedURL`).
    package var description: String {
        RedactedURL("\(isTLS ? "wss" : "ws")://\(HostPort.bracketed(host)):\(port)\(path)").description
    }
}
