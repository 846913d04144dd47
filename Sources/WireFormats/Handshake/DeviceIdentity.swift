import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// The coordinator's Ed25519 device identity, as the OpenClaw gateway expects it: a key
/// pair kept at a path (a new key is a new device and a new pairing request), `id` the
/// lowercase hex SHA-256 of the raw 32-byte public key, base64url (no padding) public key
/// and signatures.
///
/// A value type, `Sendable`; usable from any thread.
package struct DeviceIdentity: Sendable {
    /// The raw private key bytes. Kept as bytes because swift-crypto's key type is not
    /// `Sendable`; `privateKey` rebuilds it for each signature (once per connect).
    private let privateKeyRaw: [UInt8]
    /// The raw 32-byte Ed25519 public key.
    package let publicKeyRaw: [UInt8]

    /// Wraps an existing key (tests; `loadOrCreate(at:)` for the daemon).
    package init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKeyRaw = [UInt8](privateKey.rawRepresentation)
        self.publicKeyRaw = [UInt8](privateKey.publicKey.rawRepresentation)
    }

    /// A new random identity kept only in memory (`demo`, tests).
    package static func generate() -> DeviceIdentity {
        DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The private signing key.
    package var privateKey: Curve25519.Signing.PrivateKey {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyRaw) else {
            preconditionFailure("32 bytes taken from a valid key always make a key")
        }
        return key
    }

    /// `device.id`: lowercase hex SHA-256 of the raw public key.
    package var id: String { Self.deviceID(forPublicKey: publicKeyRaw) }

    /// `device.publicKey`: base64url (no padding) of the raw public key.
    package var publicKeyBase64URL: String { Base64URL.encode(publicKeyRaw) }

    /// Computes the device id the gateway expects for a raw public key.
    package static func deviceID(forPublicKey raw: [UInt8]) -> String {
        let digest = SHA256.hash(data: raw)
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Signs a UTF-8 payload string.
    ///
    /// - Returns: the Ed25519 signature, base64url without padding.
    /// - Throws: `HandshakeError.signingFailed` if the crypto library fails.
    package func signature(for payload: String) throws(HandshakeError) -> String {
        do {
            let signature = try privateKey.signature(for: Array(payload.utf8))
            return Base64URL.encode([UInt8](signature))
        } catch {
            throw .signingFailed(reason: String(describing: error))
        }
    }

    /// Checks a base64url signature over a payload against a base64url public key; what
    /// the gateway (and the simulator) does with `device.signature`.
    ///
    /// - Returns: true when the key decodes and the signature verifies.
    package static func isValidSignature(_ signature: String, for payload: String, publicKey: String) -> Bool {
        guard let keyBytes = Base64URL.decode(publicKey), keyBytes.count == 32,
              let signatureBytes = Base64URL.decode(signature),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { return false }
        return key.isValidSignature(signatureBytes, for: Array(payload.utf8))
    }

    // MARK: Persistence

    /// The on-disk form: a small JSON object holding the raw private key (base64url), with
    /// the public key and id for the operator's eyes.
    private struct File: Codable {
        var version: Int
        var deviceId: String
        var publicKey: String
        var privateKey: String
    }

    /// Loads the identity kept at `path`, or creates one there (mode 0600, created
    /// exclusively so a concurrent start cannot overwrite it) on first run.
    ///
    /// - Parameter path: the identity file; missing parent directories are created 0700.
    /// - Returns: the identity and whether it was created now.
    /// - Throws: `HandshakeError.identityFile` on I/O failure,
    ///   `HandshakeError.identityInvalid` when the file does not hold a key.
    package static func loadOrCreate(at path: String) throws(HandshakeError) -> (identity: DeviceIdentity, isNew: Bool) {
        if let bytes = try readFile(at: path) {
            return (try decode(bytes, path: path), false)
        }
        try makeParentDirectories(of: path)
        let identity = DeviceIdentity(privateKey: Curve25519.Signing.PrivateKey())
        let file = File(
            version: 1,
            deviceId: identity.id,
            publicKey: identity.publicKeyBase64URL,
            privateKey: Base64URL.encode([UInt8](identity.privateKey.rawRepresentation))
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var data = try? encoder.encode(file) else {
            preconditionFailure("encoding a fixed struct of strings cannot fail")
        }
        data.append(UInt8(ascii: "\n"))
        do {
            try writeSecretFile([UInt8](data), at: path, exclusive: true)
        } catch let error {
            // Lost a race with another process creating it: use theirs.
            if case .identityFile(_, _, EEXIST) = error, let bytes = try readFile(at: path) {
                return (try decode(bytes, path: path), false)
            }
            throw error
        }
        return (identity, true)
    }

    private static func decode(_ bytes: [UInt8], path: String) throws(HandshakeError) -> DeviceIdentity {
        guard let file = try? JSONDecoder().decode(File.self, from: Data(bytes)) else {
            throw .identityInvalid(path: path, reason: "not a JSON identity object")
        }
        guard let raw = Base64URL.decode(file.privateKey), raw.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw .identityInvalid(path: path, reason: "privateKey is not 32 base64url bytes")
        }
        let identity = DeviceIdentity(privateKey: key)
        guard identity.id == file.deviceId else {
            throw .identityInvalid(path: path, reason: "deviceId does not match the key")
        }
        return identity
    }

    /// Reads a whole small file; nil when it does not exist.
    package static func readFile(at path: String) throws(HandshakeError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .identityFile(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .identityFile(path: path, operation: "read", errno: errno)
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            if result.count > 1 << 20 {
                throw .identityInvalid(path: path, reason: "larger than 1 MiB")
            }
        }
        return result
    }

    /// Writes a file readable by its owner only (0600). With `exclusive`, fails with
    /// `EEXIST` if it exists; otherwise writes a temporary file and renames it over.
    package static func writeSecretFile(_ bytes: [UInt8], at path: String, exclusive: Bool) throws(HandshakeError) {
        let target = exclusive ? path : path + ".tmp"
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(target, flags, 0o600)
        if fd < 0 { throw .identityFile(path: target, operation: "create", errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw .identityFile(path: target, operation: "write", errno: code)
            }
            written += count
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw .identityFile(path: target, operation: "fsync", errno: code)
        }
        close(fd)
        if !exclusive, rename(target, path) != 0 {
            throw .identityFile(path: path, operation: "rename", errno: errno)
        }
    }

    private static func makeParentDirectories(of path: String) throws(HandshakeError) {
        var components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        guard !components.isEmpty else { return }
        var current = path.hasPrefix("/") ? "" : "."
        if path.hasPrefix("/") { components = components.dropFirst() }
        for component in components where !component.isEmpty {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw .identityFile(path: current, operation: "mkdir", errno: errno)
            }
        }
    }
}
