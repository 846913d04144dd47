#if canImport(Glibc)
import Glibc
#endif

/// Keeps a spawned program to descriptors 0, 1 and 2: a spawn file action that closes every
/// descriptor from 3 up in the child, between fork and exec.
///
/// glibc (2.34 and later) has `posix_spawn_file_actions_addclosefrom_np`, which closes them
/// with `close_range` in the child; it is declared only under `_GNU_SOURCE`, so Swift's Glibc
/// module does not import it, and it is looked up by name once instead (it can be called
/// directly once the module imports GNU extensions). On a libc without it, each descriptor
/// open now is closed by its own file action: one opened by another thread between this
/// listing and the spawn could slip through, which is why the daemon also opens everything
/// close-on-exec.
enum ChildDescriptors {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, or nil when the libc lacks it.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Adds to `actions` the closing of every descriptor above standard error.
    static func closeAboveStandard(in actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    /// The calling process's open descriptors, from /proc/self/fd (the listing's own
    /// descriptor included; closing it in the child is harmless).
    static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let descriptor = Int32(name) { descriptors.append(descriptor) }
        }
        return descriptors
    }
}
