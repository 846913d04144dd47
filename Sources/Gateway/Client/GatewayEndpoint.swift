import LWSSupport

/// A parsed `ws://` or `wss://` gateway URL.
package struct GatewayEndpoint: Sendable, Equatable, CustomStringConvertible {
    package var isTLS: Bool
    package var host: String
    package var port: Int
    package var path: String

    /// Parses `ws[s]://host[:port][/path]`; IPv6 hosts in brackets.
    ///
    /// - Throws: `GatewayError.invalidURL`.
    package init(parsing url: String) throws(GatewayError) {
        let rest: Substring
        if url.hasPrefix("ws://") { isTLS = false; rest = url.dropFirst(5) }
        else if url.hasPrefix("wss://") { isTLS = true; rest = url.dropFirst(6) }
        else { throw .invalidURL(url) }
        let authority = rest.prefix { $0 != "/" }
        path = rest.count > authority.count ? String(rest.dropFirst(authority.count)) : "/"
        let split: (host: String, port: Int)
        do {
            split = try URLAuthority.split(authority, defaultPort: isTLS ? 443 : 80)
        } catch {
            throw .invalidURL(url)
        }
        guard !split.host.contains("@") else { throw .invalidURL(url) }
        host = split.host
        port = split.port
    }

    package var description: String { "\(isTLS ? "wss" : "ws")://\(URLAuthority.bracketed(host)):\(port)\(path)" }
}
