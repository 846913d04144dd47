#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// The `--config` option shared by every subcommand that reads the configuration file.
struct ConfigOptions: ParsableArguments {
    /// Where the packaged service keeps its configuration.
    static let packagedPath = "/etc/moses-coordinator/coordinator.yaml"
    /// Names another file to use as the packaged configuration (for tests, or an install
    /// outside /etc).
    static let environmentVariable = "MOSES_COORDINATOR_CONFIG"

    /// The configuration used when no --config is given: $MOSES_COORDINATOR_CONFIG when
    /// set and not empty, else the packaged path.
    static var defaultPath: String {
        guard let value = getenv(environmentVariable), value.pointee != 0 else { return packagedPath }
        return String(cString: value)
    }

    /// The default configuration when it exists: what `run`, `query`, `export` and `verify`
    /// read without --config, as the service does.
    static var defaultPathIfPresent: String? {
        let path = defaultPath
        return access(path, F_OK) == 0 ? path : nil
    }

    @Option(name: .long, help: ArgumentHelp("The configuration file (YAML; default $\(environmentVariable), else \(packagedPath)).", valueName: "file"), completion: .file())
    var config: String = ConfigOptions.defaultPath
}
