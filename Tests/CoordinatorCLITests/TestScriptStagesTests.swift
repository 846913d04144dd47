import Foundation
import Testing
import TestSupport

/// `scripts/test` as root: a package stage that cannot run (tools missing, apt cannot
/// install them) is skipped with its reason and the Swift tests still run; a package stage
/// that ran and failed fails the run.
///
/// The real scripts run from a copy of `scripts/`, with commands that touch the machine
/// (`id`, `dpkg-query`, `apt-get`, `dpkg-buildpackage`, `swift`) replaced on PATH by small
/// scripts that play the machine's part and log what was asked of them.
@Suite struct TestScriptStagesTests {
    static let repository = CoordinatorBinary.repository.path

    struct Outcome {
        let status: Int32
        let output: String
        let commands: String
    }

    /// Runs the copied `scripts/test --filter Nothing`: debhelper and lintian are installed,
    /// or missing with apt-get failing to install them; the package build exits
    /// `packageBuildStatus`.
    static func runTestScript(toolsInstalled: Bool, packageBuildStatus: Int32) throws -> Outcome {
        let directory = TemporaryDirectory()
        let root = directory.file("checkout")
        let bin = directory.file("bin")
        let log = directory.file("commands.log")
        try FileManager.default.createDirectory(atPath: root + "/scripts", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for script in ["test", "install-deps", "test-package", "build-deb"] {
            try FileManager.default.copyItem(atPath: "\(repository)/scripts/\(script)", toPath: "\(root)/scripts/\(script)")
        }
        let fakes: [String: String] = [
            "id": #"[ "$1" = -u ] && { echo 0; exit 0; }; exec /usr/bin/id "$@""#,
            "dpkg-query": toolsInstalled
                ? #"printf 'install ok installed'"#
                : #"for a; do p=$a; done; case "$p" in debhelper|lintian) exit 1;; esac; printf 'install ok installed'"#,
            "apt-get": #"echo "apt-get $*" >> "$LOG"; [ "$1" = update ] && exit 0; echo "E: Unable to locate package debhelper" >&2; exit 100"#,
            "dpkg-buildpackage": #"echo "dpkg-buildpackage $*" >> "$LOG"; exit \#(packageBuildStatus)"#,
            "swift": #"echo "swift $*" >> "$LOG""#,
        ]
        for (name, body) in fakes {
            let path = "\(bin)/\(name)"
            try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(chmod(path, 0o755) == 0)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["\(root)/scripts/test", "--filter", "Nothing"]
        process.environment = [
            "PATH": "\(bin):/usr/bin:/bin", "LOG": log, "SWIFT_TOOLCHAIN_BIN": bin, "HOME": directory.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let commands = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, output: text, commands: commands)
    }

    @Test func packagingToolsThatCannotBeInstalledSkipThePackageStageAndTheSwiftTestsRun() throws {
        let outcome = try Self.runTestScript(toolsInstalled: false, packageBuildStatus: 0)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("SKIPPED the package test"), "\(outcome.output)")
        #expect(outcome.output.contains("debhelper lintian are missing and apt-get could not install them"), "\(outcome.output)")
        #expect(outcome.output.contains("Unable to locate package debhelper"), "\(outcome.output)")
        #expect(outcome.commands.contains("swift test --skip-build --filter Nothing"), "\(outcome.commands)")
        #expect(!outcome.commands.contains("dpkg-buildpackage"))
    }

    @Test func aPackageStageThatRanAndFailedFailsTheRun() throws {
        let outcome = try Self.runTestScript(toolsInstalled: true, packageBuildStatus: 2)
        #expect(outcome.status != 0, "\(outcome.output)")
        #expect(outcome.commands.contains("dpkg-buildpackage"), "\(outcome.commands)")
        #expect(outcome.output.contains("the package test FAILED"), "\(outcome.output)")
        #expect(!outcome.output.contains("SKIPPED"))
        #expect(!outcome.commands.contains("swift test"), "\(outcome.commands)")
    }
}
