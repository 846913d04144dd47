import Foundation
import Testing

/// The hand-written manual page (packaging/moses-coordinator.8) describes every subcommand
/// and every option that `--help` lists, so it cannot drift from the binary unnoticed.
@Suite struct ManualPageTests {
    static var page: String {
        get throws {
            try String(
                contentsOf: CoordinatorBinary.repository.appendingPathComponent("packaging/moses-coordinator.8"),
                encoding: .utf8)
        }
    }

    /// The names listed under a help text's `heading:` (the first word of each indented
    /// line up to the next blank line); for OPTIONS, the long option names.
    static func entries(under heading: String, in help: String) -> [String] {
        var names: [String] = []
        var inside = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == heading { inside = true; continue }
            guard inside else { continue }
            if line.isEmpty { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "<" })
            if heading == "OPTIONS:" {
                if let long = words.first(where: { $0.hasPrefix("--") }) { names.append(String(long)) }
            } else if let first = words.first {
                names.append(String(first))
            }
        }
        return names
    }

    /// In troff source a hyphen the reader types is written `\-`.
    static func troff(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "\\-") }

    static var subcommands: [String] {
        get throws {
            let help = try CoordinatorBinary.run(["--help"])
            return entries(under: "SUBCOMMANDS:", in: help.stdout)
        }
    }

    @Test func everySubcommandHasItsOwnSection() throws {
        let page = try Self.page
        let subcommands = try Self.subcommands
        #expect(subcommands.count >= 9, "\(subcommands)")
        for subcommand in subcommands {
            #expect(page.contains("\n.SS \(Self.troff(subcommand))\n"), "no .SS section for \(subcommand)")
            #expect(page.contains("\n.B \(Self.troff(subcommand))\n"), "no EXIT STATUS entry for \(subcommand)")
        }
    }

    /// bench is a developer's measuring tool; its many sizing options stay in its --help.
    @Test func everyOptionOfEveryOperatorCommandIsNamed() throws {
        let page = try Self.page
        for subcommand in try Self.subcommands where subcommand != "bench" {
            let help = try CoordinatorBinary.run([subcommand, "--help"])
            let options = Self.entries(under: "OPTIONS:", in: help.stdout).filter { $0 != "--help" && $0 != "--version" }
            #expect(!options.isEmpty || subcommand == "demo", "\(subcommand): no options parsed from\n\(help.stdout)")
            for option in options {
                #expect(page.contains(Self.troff(option)), "\(subcommand) \(option) is not in the manual page")
            }
        }
    }

    @Test func theManualPageHasTheSectionsOperatorsLookFor() throws {
        let page = try Self.page
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "CONFIGURATION", "FILES", "EXIT STATUS", "SIGNALS",
                        "ENVIRONMENT", "EXAMPLES", "SEE ALSO"] {
            #expect(page.contains("\n.SH \(section)\n"), "no \(section) section")
        }
        #expect(page.contains("README.Debian"))
        #expect(page.contains(".BR systemctl (1)"))
        #expect(page.contains(".BR journalctl (1)"))
    }

    /// What lintian and man-db check: groff renders it without a warning.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/man")))
    func manRendersItWithoutWarnings() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/man")
        process.arguments = ["--warnings", "-l", CoordinatorBinary.repository.appendingPathComponent("packaging/moses-coordinator.8").path]
        process.environment = ["LC_ALL": "C.UTF-8", "MANWIDTH": "80", "PATH": "/usr/bin:/bin", "MAN_KEEP_FORMATTING": "0"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let warnings = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(warnings.isEmpty, "\(warnings)")
    }
}
