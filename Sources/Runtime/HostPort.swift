/// A host and an optional port, parsed from `host`, `host:port`, `[v6]` or `[v6]:port`: a
/// URL's authority (the gateway's `ws[s]://`, a webhook's `http[s]://`) or a listening
/// address (`metrics.listen`). The one host:port parser here; each caller words its own
/// error from `Problem`.
package struct HostPort: Sendable, Equatable {
    /// The host, an IPv6 address without its brackets.
    package var host: String
    /// The port, nil when none is written.
    package var port: Int?

    /// What is wrong with a host:port text.
    package enum Problem: Error, Sendable, Equatable {
        /// `[` without its `]`.
        case unclosedBracket
        /// Something other than `:port` after `]`.
        case junkAfterBracket
        /// Nothing before the port (or nothing at all).
        case noHost
        /// The port, as written, is not a number in the allowed range.
        case badPort(String)
    }

    package init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    /// Splits `text` into its host (brackets removed) and port.
    ///
    /// - Parameters:
    ///   - text: the authority or address.
    ///   - allowsPortZero: true for a listening address, where port 0 asks for any free port;
    ///     otherwise the port must be 1…65535.
    /// - Throws: `Problem`; a missing port is not a problem (`port` is nil).
    package init(parsing text: Substring, allowsPortZero: Bool = false) throws(Problem) {
        var hostPart = text
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .unclosedBracket }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw .junkAfterBracket }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw .noHost }
        host = String(hostPart)
        guard let portPart else {
            port = nil
            return
        }
        let lowest = allowsPortZero ? 0 : 1
        guard let number = Int(portPart), (lowest...65_535).contains(number) else { throw .badPort(String(portPart)) }
        port = number
    }

    /// `host` as written in a URL: an IPv6 address in brackets.
    package static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
