/// A webhook target split for lws: scheme, host, port and path (with query).
///
/// `description` leaves the path's query out: a token in the query string is a secret
/// and must not reach the log.
package struct WebhookURL: Sendable, Equatable, CustomStringConvertible {
    package var isTLS: Bool
    package var host: String
    package var port: Int
    /// The request target: path plus query, "/" at least.
    package var path: String

    /// Parses an `http://` or `https://` URL.
    ///
    /// - Throws: `NotificationError.invalidWebhookURL` naming what is wrong (never echoing
    ///   the URL itself, which may carry a token).
    package init(parsing text: String) throws(NotificationError) {
        let rest: Substring
        if text.hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst("http://".count)
        } else if text.hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst("https://".count)
        } else {
            throw .invalidWebhookURL(reason: "the scheme must be http:// or https://")
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var target = String(rest.dropFirst(authority.count).prefix { $0 != "#" })
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        path = target
        guard !authority.contains("@") else {
            throw .invalidWebhookURL(reason: "credentials in the URL are not supported")
        }
        var hostPart = Substring(authority)
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .invalidWebhookURL(reason: "unclosed IPv6 bracket") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty {
                throw .invalidWebhookURL(reason: "junk after the IPv6 address")
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw .invalidWebhookURL(reason: "no host") }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65_535).contains(number) else {
                throw .invalidWebhookURL(reason: "the port must be 1…65535")
            }
            port = number
        } else {
            port = isTLS ? 443 : 80
        }
    }

    /// Scheme, host, port and path without the query.
    package var description: String {
        let bare = path.prefix { $0 != "?" }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(isTLS ? "https" : "http")://\(shownHost):\(port)\(bare)\(bare.count < path.count ? "?…" : "")"
    }
}
