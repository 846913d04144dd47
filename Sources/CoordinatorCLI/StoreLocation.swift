#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AuditStore

/// Finds the audit store the way the service does, for every command that reads it
/// (`query`, `export`, `verify`): --db, else --config's `store.path`, else the default
/// configuration's `store.path` when that file exists, else the packaged store path.
enum StoreLocation {
    /// Where the packaged service keeps its store (also `store.path`'s default).
    static let packagedStorePath = "/var/lib/moses-coordinator/audit.db"

    /// The store's path.
    ///
    /// - Throws: the configuration's exit codes when a configuration cannot be used, and
    ///   exit 1, after saying where it looked and what to pass, when there is no store.
    static func resolve(db: String?, config: String?, command: String) throws -> String {
        if let db { return db }
        if let config { return try ConfigFile.load(config, command: command).store.path }
        if let packaged = ConfigOptions.defaultPathIfPresent {
            return try ConfigFile.load(packaged, command: command).store.path
        }
        if access(packagedStorePath, F_OK) == 0 { return packagedStorePath }
        StandardError.write("""
            \(command): no audit store found. Looked for: --db (not given), --config (not given), \
            the configuration \(ConfigOptions.defaultPath) (not there), \
            the packaged store \(packagedStorePath) (not there). \
            Pass --db PATH (the store's SQLite file) or --config FILE (whose store.path names it), \
            or set \(ConfigOptions.environmentVariable) to the configuration file.
            """)
        throw ExitCode.failure
    }
}

/// The options that say which store `query` and `export` read.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The audit store's SQLite database (default: --config's store.path, else the default configuration's, else \(StoreLocation.packagedStorePath)).",
        valueName: "path"), completion: .file())
    var db: String?

    @Option(help: ArgumentHelp(
        "The configuration file whose store.path names the store (default $\(ConfigOptions.environmentVariable), else \(ConfigOptions.packagedPath), when it exists).",
        valueName: "file"), completion: .file())
    var config: String?

    /// The store's path, found as the service finds it.
    func path(command: String) throws -> String {
        try StoreLocation.resolve(db: db, config: config, command: command)
    }
}
