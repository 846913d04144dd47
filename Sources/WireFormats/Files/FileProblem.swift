#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be used, told the way an operator needs it: the path, the system's
/// reason (`strerror`) and what to do about it. Shared by the store, the device identity
/// and the token file so every file error reads alike.
package struct FileProblem: Sendable, Equatable, CustomStringConvertible {
    package var path: String
    /// The system's error number.
    package var code: Int32
    /// What a fix looks like for this path and error.
    package var advice: String

    package init(path: String, code: Int32) {
        self.path = path
        self.code = code
        self.advice = Self.advice(for: code, path: path)
    }

    /// `strerror`'s text for the error.
    package var reason: String { String(cString: strerror(code)) }

    /// "'PATH': REASON (errno N); ADVICE".
    package var description: String { "'\(path)': \(reason) (errno \(code)); \(advice)" }

    /// Finds why `path` cannot be opened (for reading, or for writing or creating) from what
    /// the file system says now, for libraries (SQLite) that only report "cannot open".
    /// nil when nothing is visibly wrong.
    package static func diagnose(path: String, forWriting: Bool) -> FileProblem? {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            // A writer creates a missing file: what matters then is whether its directory
            // takes a new file.
            if code == ENOENT, forWriting, let parent = existingParent(of: path), access(parent, W_OK | X_OK) != 0 {
                return FileProblem(path: path, code: errno)
            }
            return FileProblem(path: path, code: code)
        }
        if info.st_mode & S_IFMT == S_IFDIR { return FileProblem(path: path, code: EISDIR) }
        if access(path, forWriting ? R_OK | W_OK : R_OK) != 0 { return FileProblem(path: path, code: errno) }
        return nil
    }

    /// The directory holding `path`.
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func existingParent(of path: String) -> String? {
        let directory = parent(of: path)
        var info = stat()
        return stat(directory, &info) == 0 ? directory : nil
    }

    private static func advice(for code: Int32, path: String) -> String {
        switch code {
        case ENOENT:
            let directory = parent(of: path)
            var info = stat()
            if stat(directory, &info) != 0 {
                return "its directory '\(directory)' does not exist: create it, or give another path"
            }
            return "the file does not exist: check the path"
        case ENOTDIR:
            return "a component of the path is a file, not a directory: check the path"
        case EISDIR:
            return "it is a directory: give the path of a file"
        case EACCES, EPERM:
            return "check the owner and mode of the file and of its directories (ls -ld), or run as a user allowed to use them"
        case EROFS:
            return "the file system is read-only: give a path on a writable one"
        case ENOSPC, EDQUOT:
            return "the file system is full: free space on it, or give a path on another"
        case ELOOP:
            return "too many symbolic links: check the path"
        case ENAMETOOLONG:
            return "the path is too long: give a shorter one"
        default:
            return "check the path and its permissions"
        }
    }
}
