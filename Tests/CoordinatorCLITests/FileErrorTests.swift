#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// A file that cannot be used is named with the system's reason and what to do, for the
/// store, the device identity, the token file and `verify`'s input.
@Suite struct FileErrorTests {
    final class Scratch {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-file-errors-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func storeInAMissingDirectory() throws {
        let scratch = try Scratch()
        let database = scratch.path("missing/audit.db")
        for command in [["query", "--db", database, "SELECT 1"], ["verify", "--db", database], ["export", "--db", database]] {
            let result = try CoordinatorBinary.run(command)
            #expect(result.status == 1)
            #expect(result.stderr.contains("'\(database)': No such file or directory (errno 2)"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("its directory '\(scratch.path("missing"))' does not exist: create it"), "\(result.stderr)")
        }
        let run = try CoordinatorBinary.run(
            ["run", "--dry-run", "--db", database, "--identity", scratch.path("identity.json")],
            environment: ["OPENCLAW_GATEWAY_TOKEN": "tok"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("'\(database)': No such file or directory"), "\(run.stderr)")
        #expect(run.stderr.contains("does not exist: create it"), "\(run.stderr)")
    }

    @Test func storeThatIsADirectory() throws {
        let scratch = try Scratch()
        let database = scratch.directory.path
        let query = try CoordinatorBinary.run(["query", "--db", database, "SELECT 1"])
        #expect(query.status == 1)
        #expect(query.stderr.contains("'\(database)': Is a directory (errno 21); it is a directory: give the path of a file"), "\(query.stderr)")
        let run = try CoordinatorBinary.run(
            ["run", "--dry-run", "--db", database, "--identity", scratch.path("identity.json")],
            environment: ["OPENCLAW_GATEWAY_TOKEN": "tok"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("Is a directory"), "\(run.stderr)")
    }

    @Test func storeUnderAFileThatIsNotADirectory() throws {
        let scratch = try Scratch()
        _ = FileManager.default.createFile(atPath: scratch.path("plain"), contents: Data("x".utf8))
        let database = scratch.path("plain/audit.db")
        let query = try CoordinatorBinary.run(["query", "--db", database, "SELECT 1"])
        #expect(query.status == 1)
        #expect(query.stderr.contains("'\(database)': Not a directory (errno 20)"), "\(query.stderr)")
        #expect(query.stderr.contains("is a file, not a directory"), "\(query.stderr)")
    }

    /// Permission denial needs a user the kernel checks: as root the binary runs as
    /// `nobody` through setpriv; otherwise as this user.
    @Test func storeAndIdentityWithoutPermission() throws {
        let scratch = try Scratch()
        let database = scratch.path("audit.db")
        _ = FileManager.default.createFile(atPath: database, contents: Data(), attributes: [.posixPermissions: 0o000])
        let lockedDirectory = scratch.path("locked")
        try FileManager.default.createDirectory(atPath: lockedDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.directory.path)
        var launcher: [String] = []
        if getuid() == 0 {
            let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }
            try #require(setpriv != nil, "as root this test needs setpriv to drop to nobody")
            launcher = [setpriv!, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        }
        let query = try CoordinatorBinary.run(["query", "--db", database, "SELECT 1"], launcher: launcher)
        #expect(query.status == 1)
        #expect(query.stderr.contains("'\(database)': Permission denied (errno 13)"), "\(query.stderr)")
        #expect(query.stderr.contains("check the owner and mode"), "\(query.stderr)")
        let identity = lockedDirectory + "/identity.json"
        let run = try CoordinatorBinary.run(
            ["run", "--dry-run", "--db", scratch.path("other.db"), "--identity", identity],
            environment: ["OPENCLAW_GATEWAY_TOKEN": "tok"], launcher: launcher)
        #expect(run.status == 1)
        #expect(run.stderr.contains("device identity: cannot create '\(identity)"), "\(run.stderr)")
        #expect(run.stderr.contains("Permission denied (errno 13); check the owner and mode"), "\(run.stderr)")
        #expect(run.stderr.contains("--identity"), "\(run.stderr)")
    }

    @Test func identityUnderAFileThatIsNotADirectory() throws {
        let scratch = try Scratch()
        _ = FileManager.default.createFile(atPath: scratch.path("plain"), contents: Data("x".utf8))
        let identity = scratch.path("plain/identity.json")
        let run = try CoordinatorBinary.run(
            ["run", "--dry-run", "--db", scratch.path("audit.db"), "--identity", identity],
            environment: ["OPENCLAW_GATEWAY_TOKEN": "tok"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("'\(identity)"), "\(run.stderr)")
        #expect(run.stderr.contains("Not a directory (errno 20)"), "\(run.stderr)")
        #expect(!run.stderr.contains("failed (errno"), "\(run.stderr)")
    }

    @Test func missingTokenFileIsARuntimeErrorWithoutUsage() throws {
        let scratch = try Scratch()
        let token = scratch.path("nope.token")
        for command in [["run", "--dry-run", "--db", scratch.path("audit.db"), "--identity", scratch.path("identity.json"), "--token-file", token],
                        ["simulate", "--port", "0", "--token-file", token]] {
            let result = try CoordinatorBinary.run(command)
            #expect(result.status == 66, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("cannot read the token file '\(token)': No such file or directory (errno 2)"), "\(result.stderr)")
            #expect(result.stderr.contains("OPENCLAW_GATEWAY_TOKEN"), "\(result.stderr)")
            #expect(!result.stderr.contains("USAGE"), "a runtime error, not a usage error: \(result.stderr)")
        }
    }

    @Test func verifyOfAFileThatIsNotALedgerSaysSo() throws {
        let scratch = try Scratch()
        let file = scratch.path("not-a-ledger.jsonl")
        try "{\"name\":\"alice\",\"age\":3}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CoordinatorBinary.run(["verify", file])
        #expect(result.status == 2)
        #expect(result.stdout.contains("line 1: not a ledger entry"), "\(result.stdout)")
        #expect(!result.stdout.contains("hash mismatch"), "\(result.stdout)")
    }

    /// A full disk without mounting one: every write to /dev/full fails with ENOSPC.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "no /dev/full"))
    func exportToAFullDisk() throws {
        let scratch = try Scratch()
        let database = scratch.path("audit.db")
        let sample = CoordinatorBinary.repository.appendingPathComponent("Samples/every-violation.jsonl").path
        #expect(try CoordinatorBinary.run(["replay", "--db", database, sample]).status == 0)
        let result = try CoordinatorBinary.run(["export", "--db", database, "--output", "/dev/full"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot write '/dev/full': No space left on device (errno 28); the file system is full"), "\(result.stderr)")
    }

    @Test func verifyOfAMissingFileSaysWhatToDo() throws {
        let scratch = try Scratch()
        let file = scratch.path("gone/ledger.jsonl")
        let result = try CoordinatorBinary.run(["verify", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'\(file)': No such file or directory (errno 2); its directory"), "\(result.stderr)")
    }
}
