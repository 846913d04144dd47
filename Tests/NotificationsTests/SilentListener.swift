#if canImport(Glibc)
import Glibc
#endif

/// A listening socket on 127.0.0.1 that never accepts: connects complete in the backlog,
/// and nothing is ever answered.
final class SilentListener {
    let port: Int
    private let descriptor: Int32

    init() {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let descriptor = self.descriptor
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                precondition(bind(descriptor, raw, length) == 0)
                precondition(getsockname(descriptor, raw, &length) == 0)
            }
        }
        precondition(listen(descriptor, 8) == 0)
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}
