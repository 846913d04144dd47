#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import WireFormats
@testable import AuditStore

/// Exporting 1,000,000 ledger rows keeps memory flat: the peak resident set grows by far
/// less than the export's size (~580 MB of JSONL).
///
/// The export runs in its own process (the built `moses-coordinator export`), and its peak
/// is that process's `ru_maxrss`: measured inside the test process, the peak also caught
/// whatever other suites running in parallel allocated meanwhile.
@Suite struct ExportMemoryTests {
    static let rows = 1_000_000

    /// The binary beside this test bundle (SwiftPM builds both into one directory).
    static var binary: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let executable = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        return executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/moses-coordinator"
    }

    /// Runs the binary with `arguments` and returns its exit status and peak resident set
    /// (kB), polled from `/proc/<pid>/status` (`VmHWM`, the high-water mark of the child's own
    /// address space) until it exits. Not `wait4`'s `ru_maxrss`: a spawned child inherits the
    /// test process's high-water mark at exec, which hides anything smaller.
    static func run(_ arguments: [String]) throws -> (status: Int32, peakKB: Int) {
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, nil, nil, argv, environ)
        try #require(spawned == 0, "posix_spawn \(binary): \(spawned)")
        var status: Int32 = 0
        var peak = 0
        while true {
            peak = max(peak, highWaterMarkKB(of: pid))
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            usleep(20_000)
        }
        return ((status >> 8) & 0xFF, peak)
    }

    /// `VmHWM` of a running process in kB; 0 once it is gone.
    static func highWaterMarkKB(of pid: pid_t) -> Int {
        guard let file = fopen("/proc/\(pid)/status", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        while fgets(&buffer, 512, file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if line.hasPrefix("VmHWM:") { return Int(line.dropFirst(6).filter(\.isNumber)) ?? 0 }
        }
        return 0
    }

    @Test func exportOfAMillionRowsRunsInBoundedMemory() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("big.db")
        let started = ContinuousClock.now
        do {
            // One batched INSERT loop straight into the ledger, chained for real: export
            // checks the stored chain before writing it as stored.
            let database = try AuditDatabase.openWriter(path: path)
            try database.execute(sql: "PRAGMA synchronous = OFF")
            try database.inTransaction(.immediate) {
                let insert = try database.cachedStatement(sql: Schema.insertLedgerRow)
                var previousHash = MosesLedgerRecord.zeroHash
                for index in 0..<Self.rows {
                    let timestamp = "2026-11-24T13:13:20.\(String(index % 1000).leftPadded(to: 3))000+00:00"
                    let detail = "Observer answered before Secondary (#\(index)). [conversation=discord:group:\(index % 100) agent=observer role=observer run=run-\(index) expected=secondary actual=observer]"
                    let members = MosesLedgerRecord.auditMembers(
                        timestamp: timestamp, agent: "coordinator", component: "moses-coordinator",
                        action: "sequence_violation", detail: detail, outcome: "flagged", mode: "high-integrity",
                        posture: "defense", role: "primary", sessionHash: nil, previousHash: previousHash)
                    let hash = try MosesLedgerRecord(object: .object(members)).computedHash
                    try insert.execute([
                        .text("violation"), .integer(Int64(index + 1)), .integer(1_763_990_000_000 + Int64(index)),
                        .text("discord:group:\(index % 100)"), .text("sequence"), .text(timestamp),
                        .text("coordinator"), .text("moses-coordinator"), .text("sequence_violation"), .text(detail),
                        .text("flagged"), .text("high-integrity"), .text("defense"), .text("primary"), .null,
                        .text(previousHash), .text(hash),
                    ])
                    previousHash = hash
                }
                return .commit
            }
        }
        let inserted = ContinuousClock.now
        // The same process opening the same store and exporting nothing: its peak is the
        // baseline the full export's is compared with.
        let empty = try Self.run(["export", "--db", path, "--conversation", "no-such-conversation", "--output", "/dev/null"])
        let output = directory.file("export.jsonl")
        let full = try Self.run(["export", "--db", path, "--output", output])
        #expect(empty.status == 0 && full.status == 0)

        let bytes = try #require(Array(contentsOf: output))
        var lines = 0
        var lastLineStart = 0
        bytes.withUnsafeBytes { raw in
            var start = 0
            while start < raw.count, let newline = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) {
                lines += 1
                lastLineStart = start
                start = UnsafeRawPointer(newline) - raw.baseAddress! + 1
            }
        }
        let lastLine = String(decoding: bytes[lastLineStart...], as: UTF8.self)
        #expect(lines == Self.rows)
        #expect(lastLine.contains("(#999999)"))
        #expect(bytes.count > 400_000_000)
        let growthKB = full.peakKB - empty.peakKB
        print("insert \(started.duration(to: inserted)), export \(inserted.duration(to: .now))")
        print("export of \(lines) rows, \(bytes.count / 1_000_000) MB: peak RSS \(empty.peakKB) kB exporting nothing, \(full.peakKB) kB exporting all, growth \(growthKB) kB")
        #expect(empty.peakKB > 0 && full.peakKB > 0)
        // Constant memory: the growth is SQLite's page cache and a line's buffers, not the rows.
        #expect(growthKB < 48 * 1024, "peak RSS grew by \(growthKB) kB")
    }
}

extension Array where Element == UInt8 {
    /// The whole file at `path`, or nil when it cannot be read.
    init?(contentsOf path: String) {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        fseek(file, 0, SEEK_END)
        let size = ftell(file)
        fseek(file, 0, SEEK_SET)
        self.init(repeating: 0, count: size)
        let read = withUnsafeMutableBytes { fread($0.baseAddress!, 1, size, file) }
        guard read == size else { return nil }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
