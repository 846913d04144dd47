#if canImport(Glibc)
import Glibc
#endif
import Governance
import WireFormats

/// Reads the MO§ES governance state, `state.json` (`{mode, posture, role, …}`), as
/// `init_state.py` writes it. A missing file means the family's defaults
/// (high-integrity / defense / primary), as `audit_stub.py` assumes.
package enum StateFile {
    /// Why a state file could not be used.
    package struct ReadError: Error, Sendable, CustomStringConvertible {
        package var path: String
        package var reason: String
        package var description: String { "cannot use governance state \(path): \(reason)" }
    }

    /// The largest state.json read; real ones are a few hundred bytes.
    static let maximumBytes = 1 << 20

    /// The state the file names, fields it leaves out taken from `defaults`.
    ///
    /// - Throws: `ReadError` for an unreadable, oversized or malformed file, or an unknown
    ///   mode, posture or role. A missing file is not an error.
    package static func read(_ path: String, defaults: GovernanceState = .default) throws(ReadError) -> GovernanceState {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return defaults }
            throw ReadError(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumBytes { throw ReadError(path: path, reason: "larger than \(maximumBytes) bytes") }
        }
        do {
            return try parse(bytes, defaults: defaults)
        } catch {
            throw ReadError(path: path, reason: error.description)
        }
    }

    /// The state a `state.json` document names, fields it leaves out taken from `defaults`.
    ///
    /// - Throws: `FrameError` for malformed JSON, a document that is not an object, or an
    ///   unknown mode, posture or role.
    package static func parse(_ bytes: [UInt8], defaults: GovernanceState = .default) throws(FrameError) -> GovernanceState {
        try CaptureReader.applying(try JSONValue.parse(bytes), to: defaults, dataOffset: 0)
    }
}
