import ArgumentParser

/// The `--config` option shared by every subcommand that reads the configuration file.
struct ConfigOptions: ParsableArguments {
    /// Where the packaged service keeps its configuration.
    static let defaultPath = "/etc/moses-coordinator/coordinator.yaml"

    @Option(name: .long, help: ArgumentHelp("The configuration file (YAML).", valueName: "file"), completion: .file())
    var config: String = ConfigOptions.defaultPath
}
