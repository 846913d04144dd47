#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import AuditStore

/// The store and its `-wal` and `-shm` files are created 0640 whatever the umask.
@Suite(.serialized) struct StoreFileModeTests {
    static func mode(of path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o777
    }

    /// The built binary creates the store under a umask set in its own shell, so the test
    /// process's umask is never touched; `query` run meanwhile keeps nothing open.
    @Test(arguments: ["000", "077", "022"])
    func runCreatesTheStore0640(umask: String) throws {
        let directory = TemporaryDirectory()
        let db = directory.file("audit.db")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "umask \(umask) && exec \"$0\" run --dry-run --db \"$1\" --identity \"$2\"",
            ExportMemoryTests.binary, db, directory.file("identity.json"),
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Self.mode(of: db) == 0o640, "umask \(umask): \(String(Self.mode(of: db) ?? 0, radix: 8))")
    }

    /// The journal files exist only while a connection is open, so this opens one in the
    /// test process under each umask (restored at once; the suite is serialized, and other
    /// suites create their files with explicit modes or do not mind).
    @Test(arguments: [mode_t(0o000), mode_t(0o077)])
    func walAndShmFollowTheStore(umask mask: mode_t) throws {
        let directory = TemporaryDirectory()
        let db = directory.file("audit.db")
        let previous = umask(mask)
        let database: Database
        do {
            defer { umask(previous) }
            database = try AuditDatabase.openWriter(path: db)
        }
        defer { database.close() }
        try database.execute(sql: "INSERT INTO counters (name, value, updated_at) VALUES ('x', 1, 1)")
        for path in [db, db + "-wal", db + "-shm"] {
            #expect(Self.mode(of: path) == 0o640, "umask \(String(mask, radix: 8)): \(path) is \(String(Self.mode(of: path) ?? 0, radix: 8))")
        }
    }

    @Test func anExistingStoreKeepsItsMode() throws {
        let directory = TemporaryDirectory()
        let db = directory.file("audit.db")
        try AuditDatabase.openWriter(path: db).close()
        #expect(chmod(db, 0o600) == 0)
        try AuditDatabase.openWriter(path: db).close()
        #expect(Self.mode(of: db) == 0o600)
    }
}
