#if canImport(Glibc)
import Glibc
#endif

/// A file this process has open, as `/proc/self/fd` and `/proc/self/fdinfo` show it.
package struct OpenDescriptor: Sendable, Equatable {
    package var descriptor: Int32
    /// True when open for writing (`O_WRONLY` or `O_RDWR`).
    package var isWritable: Bool

    /// The descriptors of this process open on `path` (compared after `realpath`), in
    /// descriptor order; Linux only.
    package static func all(on path: String) -> [OpenDescriptor] {
        guard let resolved = realpath(path, nil) else { return [] }
        let target = String(cString: resolved)
        free(resolved)
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var found: [OpenDescriptor] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let descriptor = Int32(name) else { continue }
            var link = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink("/proc/self/fd/\(name)", &link, link.count - 1)
            guard length > 0 else { continue }
            let linked = String(decoding: link.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard linked == target, let flags = accessFlags(of: name) else { continue }
            found.append(OpenDescriptor(descriptor: descriptor, isWritable: flags & O_ACCMODE != O_RDONLY))
        }
        return found.sorted { $0.descriptor < $1.descriptor }
    }

    /// The `flags:` line of `/proc/self/fdinfo/<name>` (octal).
    private static func accessFlags(of name: String) -> Int32? {
        let file = open("/proc/self/fdinfo/\(name)", O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return nil }
        defer { close(file) }
        // A regular file's fdinfo is a few short lines.
        var bytes = [UInt8](repeating: 0, count: 1024)
        let count = read(file, &bytes, bytes.count)
        guard count > 0 else { return nil }
        let line = String(decoding: bytes.prefix(count), as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("flags:") }
        return line.flatMap { Int32(String($0.dropFirst("flags:".count).filter { !$0.isWhitespace }), radix: 8) }
    }
}
