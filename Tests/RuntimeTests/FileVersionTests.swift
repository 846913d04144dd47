#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Testing

@Suite struct FileVersionTests {
    /// Missing is nil; a file replaced by another (a new inode) is a new version.
    @Test func replacedFileIsANewVersion() throws {
        var template = Array("/tmp/moses-file-version-XXXXXX".utf8CString)
        let directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer { _ = rmdir(directory) }
        let path = directory + "/ca.pem", other = directory + "/next.pem"
        #expect(FileVersion(path: path) == nil)
        for file in [path, other] {
            let descriptor = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            #expect(descriptor >= 0)
            close(descriptor)
        }
        defer { _ = unlink(path) }
        let first = try #require(FileVersion(path: path))
        #expect(FileVersion(path: path) == first)
        #expect(rename(other, path) == 0)
        #expect(FileVersion(path: path) != first)
    }
}
