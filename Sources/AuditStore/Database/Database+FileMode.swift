#if canImport(Glibc)
import Glibc
#endif

extension Database {
    /// The mode of a store file we create: owner read-write, group read (a reader in the
    /// service's group, e.g. `query` by an operator, can open it), others nothing. Audit
    /// records name conversations and agents, so they are not world-readable.
    package static let createdFileMode: mode_t = 0o640

    /// Creates `path` empty with `createdFileMode` when it does not exist; leaves an
    /// existing file alone.
    ///
    /// Why here and not in SQLite: SQLite creates a missing database with
    /// `SQLITE_DEFAULT_FILE_PERMISSIONS` (0644), forced with `fchmod` whatever the umask. Its
    /// `-wal` and `-shm` files then copy the main file's mode (also with `fchmod`, past the
    /// umask), so a main file created 0640 gives 0640 journal files too. An empty file is a
    /// valid new database to SQLite. The `fchmod` after `open` is because `open`'s mode is
    /// masked by the umask (077 would give 0600 and lock out the group; 000 would do no
    /// harm here, but we set the mode exactly either way).
    static func createFileIfMissing(at path: String) {
        // SQLite's special names are not files.
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, createdFileMode)
        // EEXIST: the store is there (or a link to it): SQLite opens it as it is. Any other
        // failure (no such directory, no permission) SQLite reports itself, with the path.
        guard descriptor >= 0 else { return }
        _ = fchmod(descriptor, createdFileMode)
        Glibc.close(descriptor)
    }
}
