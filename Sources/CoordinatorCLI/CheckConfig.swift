import ArgumentParser
import Configuration

extension MosesCoordinator {
    /// `check-config`: validates a configuration file and prints the effective configuration.
    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config",
            abstract: "Validate a configuration file and print the effective configuration.",
            discussion: """
                Prints "Ok" or "Invalid" for the file, every error with its line, column, \
                code and reason, then the warnings, then (when valid) the effective \
                configuration with every default filled in. Credentials never appear: the \
                gateway token is only referenced by gateway.token_file, and credentials in \
                URLs are shown as ***. File checks (token file readable, MO§ES files present, \
                store directory writable) are made as the calling user, so run it as the \
                service user to see what the service sees:

                  runuser -u _moses-coordinator -- moses-coordinator check-config

                Exit codes: 0 valid (warnings allowed), 78 (EX_CONFIG) invalid, \
                66 (EX_NOINPUT) the file cannot be read.
                """
        )

        /// EX_CONFIG from sysexits.h: the configuration is wrong; systemd units keep it in
        /// RestartPreventExitStatus= so a bad file does not restart in a loop.
        static let invalidExitCode: Int32 = 78
        /// EX_NOINPUT from sysexits.h.
        static let unreadableExitCode: Int32 = 66

        @OptionGroup var configOptions: ConfigOptions

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let path = configOptions.config
            let result: ConfigLoadResult
            do {
                result = try ConfigLoader.fromEnvironment().load(contentsOf: path)
            } catch {
                if json {
                    print(ConfigValue.map([
                        ("file", .string(path)), ("status", .string("unreadable")),
                        ("reason", .string("\(error)")),
                    ]).renderedJSON())
                } else {
                    print("\(path): Unreadable: \(error)")
                }
                throw ExitCode(Self.unreadableExitCode)
            }
            let fileWarnings = result.config?.fileWarnings(positions: result.positions) ?? []
            let warnings = result.warnings + fileWarnings
            if json {
                print(report(path: path, result: result, warnings: warnings).renderedJSON())
            } else {
                print(text(path: path, result: result, warnings: warnings), terminator: "")
            }
            if !result.isValid { throw ExitCode(Self.invalidExitCode) }
        }

        private func text(path: String, result: ConfigLoadResult, warnings: [ConfigDiagnostic]) -> String {
            let errors = result.errors
            var out = ""
            if errors.isEmpty {
                out += "\(path): Ok\n"
            } else {
                out += "\(path): Invalid (\(errors.count) error\(errors.count == 1 ? "" : "s"))\n"
                for error in errors { out += "  \(path):\(error)\n" }
            }
            if !warnings.isEmpty {
                out += "Warnings (\(warnings.count)):\n"
                for warning in warnings { out += "  \(path):\(warning)\n" }
            }
            if let config = result.config {
                out += "Effective configuration:\n"
                out += config.renderedYAML()
            }
            return out
        }

        private func report(path: String, result: ConfigLoadResult, warnings: [ConfigDiagnostic]) -> ConfigValue {
            func entry(_ diagnostic: ConfigDiagnostic) -> ConfigValue {
                .map([
                    ("code", .string(diagnostic.code.rawValue)),
                    ("key", .string(diagnostic.keyPath)),
                    ("line", diagnostic.line.map { .integer(Int64($0)) } ?? .null),
                    ("column", diagnostic.column.map { .integer(Int64($0)) } ?? .null),
                    ("reason", .string(diagnostic.reason)),
                ])
            }
            return .map([
                ("file", .string(path)),
                ("status", .string(result.isValid ? "ok" : "invalid")),
                ("errors", .list(result.errors.map(entry))),
                ("warnings", .list(warnings.map(entry))),
                ("effective", result.config?.effectiveTree() ?? .null),
            ])
        }
    }
}
