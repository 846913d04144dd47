#if canImport(Glibc)
import Glibc
#endif

/// The inotify watches that follow one file by name, `tail -F` style, without waking for
/// anything else in its directory: a watch on the file for its content, and a watch on the
/// directory for names only (creation, rename, deletion), which moves the file watch to
/// whatever file the name then holds.
///
/// The directory may hold busy files of others (the daemon's own SQLite store and WAL
/// beside the ledger): with no content events asked for on the directory, their writes
/// reach no one. Owned by the watcher thread.
struct FollowedFileWatch {
    /// Names in the directory: the file appearing (created, renamed or linked in) or going.
    static let directoryMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR)
    /// The file's content and readability (a chmod is IN_ATTRIB; a truncation IN_MODIFY).
    static let fileMask = UInt32(IN_MODIFY | IN_ATTRIB)

    let path: String
    /// The file's name in its directory, as inotify reports it.
    let name: [UInt8]
    let directoryWatch: Int32
    /// The watch on the file the name held when last looked at; nil while there was none.
    /// Kept after the name goes (renamed away, deleted while open), because the tail
    /// finishes that file until a new one takes the name; the kernel drops it (IN_IGNORED)
    /// once the file is gone for good.
    private(set) var fileWatch: Int32?

    /// Watches `path`'s directory, then the file if it exists (in that order, so a file
    /// created in between is seen either way). Nil when the directory cannot be watched.
    init?(path: String, notify: Int32) {
        let directory = Self.directory(of: path)
        let watch = inotify_add_watch(notify, directory, Self.directoryMask)
        guard watch >= 0 else { return nil }
        self.path = path
        self.name = Self.name(of: path)
        self.directoryWatch = watch
        watchCurrentFile(notify: notify)
    }

    /// Points the file watch at the file the name holds now. inotify gives the same watch
    /// back for the same file, so this is harmless when nothing changed; a watch on a file
    /// the name no longer holds is removed.
    mutating func watchCurrentFile(notify: Int32) {
        let watch = inotify_add_watch(notify, path, Self.fileMask)
        guard watch >= 0 else { return }  // Gone again already: the directory watch tells.
        if let previous = fileWatch, previous != watch, previous != directoryWatch {
            _ = inotify_rm_watch(notify, previous)
        }
        fileWatch = watch
    }

    /// Takes one event; true when it concerns the followed file (its content, or its name
    /// appearing or going), so the file must be looked at.
    mutating func handle(watch: Int32, name eventName: UnsafeRawBufferPointer, mask: UInt32, notify: Int32) -> Bool {
        if watch == fileWatch {
            if mask & UInt32(IN_IGNORED) != 0 {
                // The kernel removed the watch: the file is gone (deleted, last descriptor closed).
                fileWatch = nil
                return false
            }
            return true
        }
        guard watch == directoryWatch, eventName.elementsEqual(name) else { return false }
        if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { watchCurrentFile(notify: notify) }
        return true
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func name(of path: String) -> [UInt8] {
        guard let slash = path.lastIndex(of: "/") else { return Array(path.utf8) }
        return Array(path[path.index(after: slash)...].utf8)
    }
}
