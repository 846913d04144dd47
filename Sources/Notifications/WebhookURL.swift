import Runtime
import WireFormats

/// A webhook target split for lws: scheme, host, port and path (with query).
///
/// `description` shows the query as `***` (`RedactedURL`): a token in the query string is a
/// secret and must not reach the log.
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
        do {
            let parsed = try HostPort(parsing: authority)
            (host, port) = (parsed.host, parsed.port ?? (isTLS ? 443 : 80))
        } catch {
            switch error {
            case .unclosedBracket: throw .invalidWebhookURL(reason: "unclosed IPv6 bracket")
            case .junkAfterBracket: throw .invalidWebhookURL(reason: "junk after the IPv6 address")
            case .noHost: throw .invalidWebhookURL(reason: "no host")
            case .badPort: throw .invalidWebhookURL(reason: "the port must be 1…65535")
            }
        }
    }

    /// Scheme, host, port and path; the query as `***`.
    package var description: String {
        RedactedURL("\(isTLS ? "https" : "http")://\(HostPort.bracketed(host)):\(port)\(path)").description
    }
}
