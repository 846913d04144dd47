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
        var hostPart = Substring(authority)
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .invalidURL(url) }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw .invalidURL(url) }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty, !hostPart.contains("@") else { throw .invalidURL(url) }
        host = String(hostPart)
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else { throw .invalidURL(url) }
            port = value
        } else {
            port = isTLS ? 443 : 80
        }
    }

    package var description: String { "\(isTLS ? "wss" : "ws")://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)" }
}
