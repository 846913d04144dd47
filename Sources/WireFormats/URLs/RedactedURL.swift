/// A URL as it may be shown: in logs, errors, `STATUS=` lines, the store and its export,
/// and `check-config`. The user information (`user:password@`) and the whole query string
/// become `***`, since either may carry a credential (`?token=…`); scheme, host, port, path
/// and fragment stay, so the operator can still tell which endpoint is meant. Every place
/// that shows a gateway or webhook URL goes through this one type.
///
/// A value type; any thread.
package struct RedactedURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL with its credentials replaced.
    package let description: String

    /// Redacts `url`. Text without `://` is not a URL this program takes; it is shown as
    /// `***` whole, since nothing says which part of it is secret.
    package init(_ url: some StringProtocol) {
        guard let schemeEnd = url.firstRange(of: "://") else {
            description = url.isEmpty ? "" : "***"
            return
        }
        var result = String(url[..<schemeEnd.upperBound])
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            result += "***@" + authority[authority.index(after: at)...]
        } else {
            result += authority
        }
        let tail = rest[authorityEnd...]
        if let question = tail.firstIndex(of: "?") {
            result += tail[..<question] + "?***"
            if let hash = tail[question...].firstIndex(of: "#") { result += tail[hash...] }
        } else {
            result += tail
        }
        description = result
    }
}
