#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import AuditStore

/// Exporting 1,000,000 ledger rows keeps memory flat: the peak resident set grows by far
/// less than the export's size (~470 MB of JSONL).
@Suite struct ExportMemoryTests {
    static let rows = 1_000_000

    /// Kilobytes of a `/proc/self/status` field (`VmRSS`, `VmHWM`).
    static func status(_ field: String) -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return -1 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        while fgets(&buffer, 512, file) != nil {
            let line = String(cString: buffer)
            if line.hasPrefix(field + ":") {
                return Int(line.dropFirst(field.count + 1).filter(\.isNumber)) ?? -1
            }
        }
        return -1
    }

    /// Resets VmHWM to the current RSS (Linux `clear_refs` value 5).
    static func resetPeak() {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", file)
        fclose(file)
    }

    @Test func exportOfAMillionRowsRunsInBoundedMemory() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("big.db")
        let started = WallClock.monotonicNanoseconds()
        do {
            // One batched INSERT loop straight into the ledger: export re-chains, so the
            // stored hashes need not be real here.
            let database = try AuditDatabase.openWriter(path: path)
            try database.execute(sql: "PRAGMA synchronous = OFF")
            try database.inTransaction(.immediate) {
                let insert = try database.cachedStatement(sql: Schema.insertLedgerRow)
                for index in 0..<Self.rows {
                    try insert.execute([
                        .text("violation"), .integer(Int64(index + 1)), .integer(1_763_990_000_000 + Int64(index)),
                        .text("discord:group:\(index % 100)"), .text("sequence"),
                        .text("2026-11-24T13:13:20.\(String(index % 1000).leftPadded(to: 3))000+00:00"),
                        .text("coordinator"), .text("moses-coordinator"), .text("sequence_violation"),
                        .text("Observer answered before Secondary (#\(index)). [conversation=discord:group:\(index % 100) agent=observer role=observer run=run-\(index) expected=secondary actual=observer]"),
                        .text("flagged"), .text("high-integrity"), .text("defense"), .text("primary"), .null,
                        .text(""), .text(""),
                    ])
                }
                return .commit
            }
        }
        let inserted = WallClock.monotonicNanoseconds()
        let reader = try AuditDatabase.openReader(path: path)
        Self.resetPeak()
        let before = Self.status("VmRSS")
        var lines = 0
        var bytes = 0
        var lastLine = ""
        try LedgerExport.export(from: reader, filter: LedgerExportFilter()) { line in
            lines += 1
            bytes += line.utf8.count + 1
            if lines == Self.rows { lastLine = line }
        }
        let peak = Self.status("VmHWM")
        #expect(lines == Self.rows)
        #expect(lastLine.contains("(#999999)"))
        #expect(bytes > 400_000_000)
        let growthKB = peak - before
        print("insert \((inserted - started) / 1_000_000) ms, export \((WallClock.monotonicNanoseconds() - inserted) / 1_000_000) ms")
        print("export of \(lines) rows, \(bytes / 1_000_000) MB: RSS before \(before) kB, peak \(peak) kB, growth \(growthKB) kB")
        #expect(before > 0 && peak > 0)
        // Constant memory: the growth is SQLite's page cache and a line's buffers, not the rows.
        #expect(growthKB < 48 * 1024, "peak RSS grew by \(growthKB) kB")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
