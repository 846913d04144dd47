import Synchronization

/// Why the daemon stops, set by its run loop and recorded with the stop daemon event by the
/// group's stop (another thread). `Sendable`: the text sits in a mutex.
final class StopReason: Sendable {
    private let value = Mutex("stopped")

    /// The reason ("signal 15", "gateway refused the credentials").
    var text: String {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
