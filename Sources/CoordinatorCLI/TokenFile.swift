#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import WireFormats

/// Reading the gateway token file for `run` and `simulate`.
enum TokenFile {
    /// EX_NOINPUT: the token file named cannot be read. A runtime failure, not bad usage,
    /// so no usage text follows the error.
    static let unreadableExitCode = ExitCode(66)

    /// The token in `path`, whitespace removed; nil when the file is empty.
    ///
    /// - Throws: `unreadableExitCode` after writing the path, the system's reason and what
    ///   to do to standard error.
    static func read(_ path: String, command: String) throws -> String? {
        let bytes: [UInt8]
        do {
            guard let read = try DeviceIdentity.readFile(at: path) else { throw fail(path, code: ENOENT, command: command) }
            bytes = read
        } catch let error as HandshakeError {
            switch error {
            case let .identityFile(_, _, code): throw fail(path, code: code, command: command)
            default:
                StandardError.write("\(command): cannot read the token file '\(path)': it is larger than 1 MiB; give the file holding only the gateway token")
                throw unreadableExitCode
            }
        }
        let text = String(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace })
        return text.isEmpty ? nil : text
    }

    private static func fail(_ path: String, code: Int32, command: String) -> ExitCode {
        StandardError.write("\(command): cannot read the token file \(FileProblem(path: path, code: code)) (or set OPENCLAW_GATEWAY_TOKEN instead of --token-file)")
        return unreadableExitCode
    }
}
