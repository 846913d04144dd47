#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import AuditStore

/// After the writer closes cleanly, a reader that may read the store but not create files
/// beside it (an operator in the service's group; the state directory is 0750) can still
/// query it: the writer keeps `-wal` and `-shm`, readable by the group.
@Suite struct StoppedStoreReaderTests {
    @Test func theWriterKeepsItsJournalFilesGroupReadable() throws {
        let directory = TemporaryDirectory()
        let db = directory.file("audit.db")
        let writer = try AuditDatabase.openWriter(path: db)
        try writer.execute(sql: "INSERT INTO counters (name, value, updated_at) VALUES ('x', 1, 1)")
        writer.close()
        for path in [db + "-wal", db + "-shm"] {
            #expect(StoreFileModeTests.mode(of: path) == 0o640, "\(path) after close: \(StoreFileModeTests.mode(of: path).map { String($0, radix: 8) } ?? "missing")")
        }
        // Checkpointed and emptied: the next open reads the database file, not old frames.
        var status = stat()
        #expect(stat(db + "-wal", &status) == 0 && status.st_size == 0, "-wal is \(status.st_size) bytes after close")
    }

    /// The built binary's `query`, run by a user who can read the store but cannot write the
    /// directory: as root, `nobody` through the store's group (setpriv); otherwise this
    /// user with the directory made read-only.
    @Test func aReaderWhoCannotWriteTheDirectoryQueriesAStoppedStore() throws {
        let directory = TemporaryDirectory()
        let state = directory.file("state")
        #expect(mkdir(state, 0o750) == 0)
        let db = state + "/audit.db"
        let writer = try AuditDatabase.openWriter(path: db)
        try writer.execute(sql: "INSERT INTO counters (name, value, updated_at) VALUES ('x', 1, 1)")
        writer.close()

        let process = Process()
        let query = [ExportMemoryTests.binary, "query", "--db", db, "SELECT count(*) FROM violations"]
        if getuid() == 0 {
            // Owned by `daemon` (1), group `nogroup` (65534); read by `nobody` (65534) through
            // the group only, as an operator in _moses-coordinator reads the packaged store.
            #expect(chmod(directory.path, 0o755) == 0)
            for path in [state, db, db + "-wal", db + "-shm"] where access(path, F_OK) == 0 {
                #expect(chown(path, 1, 65534) == 0)
            }
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--"] + query
        } else {
            #expect(chmod(state, 0o550) == 0)
            process.executableURL = URL(fileURLWithPath: query[0])
            process.arguments = Array(query.dropFirst())
        }
        defer { _ = chmod(state, 0o750) }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "query as a group reader: \(message)")
    }
}
