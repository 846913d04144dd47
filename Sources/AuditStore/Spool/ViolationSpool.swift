#if canImport(Glibc)
import Glibc
#endif
import Governance
import WireFormats

/// The violation spool: a directory of JSON Lines files (one `Violation.jsonLine` each)
/// where the writer puts the violations it could not store when it stops (full disk,
/// corrupt or unwritable store), and which it takes in at the next start.
///
/// Each file is written whole under a temporary name, fsynced, renamed into place and the
/// directory fsynced, so a file that has its final name is complete. A value type holding
/// only the path: any thread, but the writer is its one user.
package struct ViolationSpool: Sendable {
    /// The spool directory.
    package let directory: String

    package init(directory: String) { self.directory = directory }

    /// What `load()` found.
    package struct Contents: Sendable {
        /// Spool files read, in name (time) order.
        package var files: [String] = []
        /// Their violations, in file order.
        package var violations: [Violation] = []
        /// Files with lines that are not violations: kept (renamed `.refused`) after take-in.
        package var filesWithRefusedLines: Set<String> = []
        /// Lines that are not violations.
        package var refusedLines = 0
    }

    /// The suffix of a complete spool file.
    static let fileSuffix = ".jsonl"

    /// Room kept in the spool directory for a stop on a full disk: the spool usually shares
    /// its filesystem with the store, so the writer takes this much at start (a ballast
    /// file) and gives it back just before it writes a spool file. 1 MiB holds about 2,500
    /// violations; more are written too when the filesystem has the room.
    package static let reservedBytes = 1 << 20
    static let reserveName = ".reserve"

    /// Takes `bytes` of the filesystem as a ballast file in the spool directory (creating
    /// the directory). Idempotent.
    ///
    /// - Throws: `LedgerFileError` when the directory or file cannot be made or allocated.
    package func reserveRoom(bytes: Int = Self.reservedBytes) throws(LedgerFileError) {
        try makeDirectory()
        let path = "\(directory)/\(Self.reserveName)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .system("open", path: path) }
        defer { close(descriptor) }
        let code = posix_fallocate(descriptor, 0, off_t(bytes))
        guard code == 0 else { throw LedgerFileError(.system(operation: "posix_fallocate", errno: code), path: path) }
    }

    /// Gives the ballast's room back to the filesystem (before writing a spool file).
    package func releaseRoom() {
        unlink("\(directory)/\(Self.reserveName)")
    }

    /// Writes `violations` to a new file of the spool, durably.
    ///
    /// - Returns: the new file's path.
    /// - Throws: `LedgerFileError` when the directory or the file cannot be made, written or
    ///   synced; a partial file is removed.
    @discardableResult
    package func write(_ violations: [Violation], at wallClockMs: Int64) throws(LedgerFileError) -> String {
        try makeDirectory()
        let name = "violations-\(wallClockMs)-\(getpid())"
        let temporary = "\(directory)/.\(name).tmp"
        let final = "\(directory)/\(name)\(Self.fileSuffix)"
        // 0640 whatever the umask: violations name agents and conversations.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .system("open", path: temporary) }
        var isWritten = false
        defer {
            close(descriptor)
            if !isWritten { unlink(temporary) }
        }
        _ = fchmod(descriptor, 0o640)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(violations.count * 400)
        for violation in violations {
            bytes += violation.jsonLine.utf8
            bytes.append(0x0A)
        }
        try writeAll(bytes, to: descriptor, path: temporary)
        guard fsync(descriptor) == 0 else { throw .system("fsync", path: temporary) }
        guard rename(temporary, final) == 0 else { throw .system("rename", path: final) }
        isWritten = true
        try syncDirectory()
        return final
    }

    /// Reads every complete spool file (a missing directory is an empty spool).
    package func load() -> Contents {
        var contents = Contents()
        guard let stream = opendir(directory) else { return contents }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix("violations-") && name.hasSuffix(Self.fileSuffix) { names.append(name) }
        }
        closedir(stream)
        for name in names.sorted() {
            let path = "\(directory)/\(name)"
            guard let text = Self.readText(path) else {
                contents.filesWithRefusedLines.insert(path)
                contents.refusedLines += 1
                continue
            }
            contents.files.append(path)
            for line in text.split(separator: "\n") where !line.allSatisfy({ $0 == " " || $0 == "\r" }) {
                if let violation = Self.violation(fromLine: String(line)) {
                    contents.violations.append(violation)
                } else {
                    contents.refusedLines += 1
                    contents.filesWithRefusedLines.insert(path)
                }
            }
        }
        return contents
    }

    /// Removes spool files whose violations are stored; a file with refused lines is kept
    /// as `<name>.refused` for the operator.
    ///
    /// - Throws: `LedgerFileError` when a file cannot be removed or renamed (it is then taken
    ///   in again at the next start, which stores nothing twice).
    package func remove(_ files: [String], keeping refused: Set<String> = []) throws(LedgerFileError) {
        guard !files.isEmpty else { return }
        for path in files {
            if refused.contains(path) {
                guard rename(path, path + ".refused") == 0 else { throw .system("rename", path: path) }
            } else {
                guard unlink(path) == 0 || errno == ENOENT else { throw .system("unlink", path: path) }
            }
        }
        try syncDirectory()
    }

    /// One spool line back into a violation; nil when it is not one.
    static func violation(fromLine line: String) -> Violation? {
        guard let value = try? JSONValue.parse(line) else { return nil }
        func text(_ key: String) -> String? { value[key]?.stringValue }
        guard let at = value["at"]?.int64Value,
              let rule = text("rule").flatMap(RuleID.init(rawValue:)),
              let conversation = text("conversation"), let sessionKey = text("session_key"),
              let agentID = text("agent_id"), let expected = text("expected"), let actual = text("actual"),
              let detail = text("detail"),
              let mode = text("mode").flatMap(Mode.init(rawValue:)),
              let posture = text("posture").flatMap(Posture.init(rawValue:)),
              let governanceRole = text("governance_role").flatMap(GovernanceRole.init(rawValue:))
        else { return nil }
        var role: Role?
        if let roleValue = value["role"], !roleValue.isNull {
            guard let parsed = roleValue.stringValue.flatMap(Role.init(rawValue:)) else { return nil }
            role = parsed
        }
        var runID: String?
        if let runValue = value["run_id"], !runValue.isNull {
            guard let parsed = runValue.stringValue else { return nil }
            runID = parsed
        }
        return Violation(
            at: at, conversation: conversation, sessionKey: sessionKey, agentID: agentID, role: role, rule: rule,
            expected: expected, actual: actual, detail: detail, runID: runID,
            state: GovernanceState(mode: mode, posture: posture, role: governanceRole))
    }

    private func makeDirectory() throws(LedgerFileError) {
        if mkdir(directory, 0o750) == 0 || errno == EEXIST { return }
        throw .system("mkdir", path: directory)
    }

    /// Makes a rename or unlink in the directory durable.
    private func syncDirectory() throws(LedgerFileError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open", path: directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .system("fsync", path: directory) }
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(LedgerFileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system("write", path: path)
            }
            offset += written
        }
    }

    private static func readText(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
