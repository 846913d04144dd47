/// The host and port of a URL's authority (`host[:port]`, an IPv6 host in brackets): what
/// lws's connect info takes, for the gateway's `ws[s]://` URL and a webhook's `http[s]://`.
package enum URLAuthority {
    /// What is wrong with an authority.
    package enum Problem: Error, Sendable, Equatable {
        case unclosedBracket
        case junkAfterBracket
        case noHost
        /// The port is not a number in 1…65535.
        case badPort
    }

    /// Splits `authority` into its host (brackets removed) and port.
    ///
    /// - Parameter defaultPort: the port when none is written (the scheme's).
    package static func split(_ authority: Substring, defaultPort: Int) throws(Problem) -> (host: String, port: Int) {
        var hostPart = authority
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
        guard let portPart else { return (String(hostPart), defaultPort) }
        guard let port = Int(portPart), (1...65_535).contains(port) else { throw .badPort }
        return (String(hostPart), port)
    }

    /// `host` as written in a URL: an IPv6 address in brackets.
    package static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
