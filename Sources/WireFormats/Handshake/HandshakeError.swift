/// What went wrong building or reading a connect handshake: the device identity file,
/// the connect request, a `hello-ok` or an error frame.
///
/// Texts name the operation and the input (a path, a size and a short prefix), never a
/// key, a token or a whole payload.
package enum HandshakeError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The identity file could not be read, created or written (`errno` kept).
    case identityFile(path: String, operation: String, errno: Int32)
    /// The identity file exists but does not hold a usable Ed25519 key.
    case identityInvalid(path: String, reason: String)
    /// Signing the device payload failed inside the crypto library.
    case signingFailed(reason: String)
    /// A frame that should have been a `res` for `connect` could not be decoded.
    case malformedResponse(size: Int, prefix: String)

    package var description: String {
        switch self {
        case let .identityFile(path, operation, errno):
            return "device identity: cannot \(operation) \(FileProblem(path: path, code: errno)) (or give another path with --identity or gateway.identity_path)"
        case let .identityInvalid(path, reason):
            return "device identity: '\(path)' is not a usable Ed25519 key: \(reason)"
        case let .signingFailed(reason):
            return "device identity: signing the connect payload failed: \(reason)"
        case let .malformedResponse(size, prefix):
            return "connect response: cannot decode \(size) bytes starting '\(prefix)'"
        }
    }

    /// A short printable prefix of a frame for error texts (at most 48 characters).
    package static func prefix<Bytes: Collection>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let head = bytes.prefix(48).map { $0 >= 0x20 && $0 < 0x7f ? Character(UnicodeScalar($0)) : "." }
        return String(head)
    }
}
