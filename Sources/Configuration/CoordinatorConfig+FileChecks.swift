#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CoordinatorConfig {
    /// Warnings about the files this configuration names, as seen by the calling user (run
    /// `check-config` as the service user to see what the service will see): a missing or
    /// unreadable token file, a token file others can read, MO§ES files not there yet, a
    /// store directory that is not writable, an exec program that cannot be run.
    ///
    /// Never errors: files may appear later (the coordinator waits for the ledger), and
    /// the daemon reports what is still wrong when it starts.
    ///
    /// - Parameter positions: key positions from `ConfigLoadResult.positions`.
    /// - Returns: warnings, in key order. Costs a few `stat`/`access` calls.
    package func fileWarnings(positions: [String: (line: Int, column: Int)] = [:]) -> [ConfigDiagnostic] {
        var warnings: [ConfigDiagnostic] = []
        func warn(_ code: ConfigDiagnostic.Code, _ key: String, _ reason: String) {
            let position = positions[key]
            warnings.append(ConfigDiagnostic(.warning, code, at: key, line: position?.line, column: position?.column, reason))
        }
        if let tokenFile = gateway.tokenFile {
            var info = stat()
            if stat(tokenFile, &info) != 0 {
                warn(.missingFile, "gateway.token_file", "\(tokenFile) does not exist: \(Self.errnoText())")
            } else if access(tokenFile, R_OK) != 0 {
                warn(.inaccessibleFile, "gateway.token_file", "\(tokenFile) is not readable by this user: \(Self.errnoText())")
            } else if info.st_mode & S_IROTH != 0 {
                warn(.questionable, "gateway.token_file", "\(tokenFile) is readable by every user; chmod 0640 (or 0600) it")
            }
        } else {
            warn(.questionable, "gateway.token_file", "no token_file: gateways with auth (the default) refuse the connection")
        }
        for (key, path) in [("moses.ledger_path", moses.ledgerPath), ("moses.state_path", moses.statePath)] {
            if access(path, F_OK) != 0 {
                warn(.missingFile, key, "\(path) does not exist (yet); the coordinator waits for it")
            } else if access(path, moses.appendsToLedger && key == "moses.ledger_path" ? R_OK | W_OK : R_OK) != 0 {
                warn(.inaccessibleFile, key, "\(path) is not \(moses.appendsToLedger && key == "moses.ledger_path" ? "readable and writable" : "readable") by this user")
            }
        }
        let storeDirectory = Self.directory(of: store.path)
        if access(store.path, F_OK) == 0 {
            if access(store.path, R_OK | W_OK) != 0 {
                warn(.inaccessibleFile, "store.path", "\(store.path) is not readable and writable by this user")
            }
        } else if access(storeDirectory, W_OK | X_OK) != 0 {
            warn(.inaccessibleFile, "store.path", "cannot create \(store.path): \(storeDirectory) is not writable by this user")
        }
        if let program = notifications.execProgram, access(program, X_OK) != 0 {
            warn(.inaccessibleFile, "notifications.exec_program", "\(program) is not an executable this user can run")
        }
        return warnings
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
