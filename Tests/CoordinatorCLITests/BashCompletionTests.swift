import Foundation
import Testing
import TestSupport

/// The packaged bash completion (the binary's `--generate-completion-script bash`), run in
/// bash the way bash-completion calls it: rule ids after `export --rule`, paths after the
/// path options.
@Suite struct BashCompletionTests {
    /// The words bash offers for the command line `words` (the last one being completed).
    static func completions(_ words: [String]) throws -> [String] {
        let directory = TemporaryDirectory()
        let generated = try CoordinatorBinary.run(["--generate-completion-script", "bash"])
        try #require(generated.status == 0, "\(generated.stderr)")
        let script = directory.file("moses-coordinator.bash")
        try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        // The function `complete -F <function> moses-coordinator` registers.
        let registration = try #require(generated.stdout.split(separator: "\n").first { $0.hasPrefix("complete ") })
        let fields = registration.split(separator: " ")
        let function = try #require(fields.firstIndex(of: "-F").map { String(fields[$0 + 1]) })
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "--norc", "--noprofile", "-c",
            #"source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; "# +
                #"\#(function) "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; printf '%s\n' "${COMPREPLY[@]}""#,
            "bash", script,
        ] + words
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").map(String.init)
    }

    @Test func exportRuleCompletesTheRuleIDs() throws {
        let offered = try Self.completions(["moses-coordinator", "export", "--rule", ""])
        #expect(Set(offered) == ["sequence", "audit_before_response", "posture", "role", "mode", "drift", "ledger_integrity"], "\(offered)")
        #expect(try Self.completions(["moses-coordinator", "export", "--rule", "led"]) == ["ledger_integrity"])
    }

    @Test(arguments: [["query", "--db"], ["verify"], ["run", "--config"], ["replay"], ["export", "--output"]])
    func pathOptionsCompleteFiles(command: [String]) throws {
        let directory = TemporaryDirectory()
        _ = directory.write("audit-store.db", [])
        let offered = try Self.completions(["moses-coordinator"] + command + [directory.file("audit-")])
        #expect(offered == [directory.file("audit-store.db")], "\(command): \(offered)")
    }
}
