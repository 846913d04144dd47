import FoundationEssentials

/// Base64url without padding (RFC 4648 §5), the encoding of `device.publicKey` and
/// `device.signature` in the OpenClaw connect request.
package enum Base64URL {
    /// Encodes bytes as base64url with no `=` padding.
    package static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = Data(bytes).base64EncodedString()
        text = String(text.map { $0 == "+" ? "-" : ($0 == "/" ? "_" : $0) })
        while text.last == "=" { text.removeLast() }
        return text
    }

    /// Decodes base64url, with or without padding.
    ///
    /// - Returns: the bytes, or nil when the text is not base64url.
    package static func decode(_ text: String) -> [UInt8]? {
        var standard = String(text.map { $0 == "-" ? "+" : ($0 == "_" ? "/" : $0) })
        while standard.utf8.count % 4 != 0 { standard.append("=") }
        guard let data = Data(base64Encoded: standard) else { return nil }
        return [UInt8](data)
    }
}
