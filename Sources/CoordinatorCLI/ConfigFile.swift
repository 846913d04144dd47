import ArgumentParser
import Configuration

/// Loads the configuration file for a command that runs with it (`run`, `replay`): warnings
/// go to standard error, and a file that cannot be used ends the command with the exit
/// codes `check-config` documents (66 unreadable, 78 invalid), every error listed.
enum ConfigFile {
    static func load(_ path: String, command: String) throws -> CoordinatorConfig {
        let result: ConfigLoadResult
        do {
            result = try ConfigLoader.fromEnvironment().load(contentsOf: path)
        } catch {
            StandardError.write("\(command): \(path): \(error)")
            throw ExitCode(MosesCoordinator.CheckConfig.unreadableExitCode)
        }
        for warning in result.warnings { StandardError.write("\(command): \(path):\(warning)") }
        guard let config = result.config else {
            for error in result.errors { StandardError.write("\(command): \(path):\(error)") }
            throw ExitCode(MosesCoordinator.CheckConfig.invalidExitCode)
        }
        return config
    }
}
