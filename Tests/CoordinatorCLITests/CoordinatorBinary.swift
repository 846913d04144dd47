import Foundation

/// The built `moses-coordinator` binary, run as a user would, with its output captured.
enum CoordinatorBinary {
    /// The binary beside this test bundle (SwiftPM builds both into one directory).
    static var url: URL {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("moses-coordinator")
    }

    /// The folder of the golden captures in the source tree.
    static var captures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Captures")
    }

    /// The repository's root folder.
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A path where no configuration is: what tests give as the default configuration, so
    /// a package installed on the test machine (/etc/moses-coordinator) changes nothing.
    static let absentConfiguration = "/nonexistent/moses-coordinator-tests/coordinator.yaml"

    /// `environment` (else this process's) with MOSES_COORDINATOR_CONFIG set to
    /// `absentConfiguration` unless it names one.
    static func isolated(_ environment: [String: String]?) -> [String: String] {
        var result = environment ?? ProcessInfo.processInfo.environment
        if result["MOSES_COORDINATOR_CONFIG"] == nil { result["MOSES_COORDINATOR_CONFIG"] = absentConfiguration }
        return result
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with `arguments` and waits for it to exit.
    ///
    /// - Parameters:
    ///   - program: another executable to run instead of the binary (a shell running a
    ///     command as printed).
    ///   - launcher: a program run first with the binary as its last argument (setpriv).
    static func run(
        _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil, directory workingDirectory: URL? = nil,
        launcher: [String] = [], program: String? = nil
    ) throws -> Result {
        let process = Process()
        let binary = program.map { URL(fileURLWithPath: $0) } ?? url
        if launcher.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: launcher[0])
            process.arguments = Array(launcher.dropFirst()) + [binary.path] + arguments
        }
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.environment = isolated(environment)
        // Output goes to files, so a full pipe can never block the child.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdoutData = try Data(contentsOf: outURL), stderrData = try Data(contentsOf: errURL)
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }
}
