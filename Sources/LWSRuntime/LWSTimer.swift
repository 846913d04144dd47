import CLibWebsockets

/// A one-shot lws timer (`lws_sorted_usec_list_t`) that calls a Swift closure on the
/// service thread. Shared by every lws user here (the gateway client and simulator, the
/// webhook client); it also wakes `lws_service`, whose own timeout argument lws ignores
/// since 3.2.
///
/// Thread-bound: create, schedule, cancel and release it on the service thread of the
/// context it is scheduled on. The sul lives in memory this object owns, followed by an
/// unretained pointer back to the object (lws hands the callback only the sul pointer).
/// `deinit` cancels the sul before freeing it: a sul left in freed memory corrupts lws's
/// timer list (lws#2653, #3099).
package final class LWSTimer {
    private let storage: UnsafeMutableRawPointer
    private let action: () -> Void
    private var isScheduled = false

    private static var sulSize: Int { MemoryLayout<lws_sorted_usec_list_t>.stride }

    package init(_ action: @escaping () -> Void) {
        self.action = action
        storage = UnsafeMutableRawPointer.allocate(byteCount: Self.sulSize + MemoryLayout<UnsafeRawPointer>.stride, alignment: 16)
        // lws unlinks a sul before scheduling it: it must start zeroed.
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.sulSize + MemoryLayout<UnsafeRawPointer>.stride)
        (storage + Self.sulSize).storeBytes(of: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), as: UnsafeRawPointer.self)
    }

    deinit {
        if isScheduled { lws_sul_cancel(sul) }
        storage.deallocate()
    }

    private var sul: UnsafeMutablePointer<lws_sorted_usec_list_t> {
        storage.assumingMemoryBound(to: lws_sorted_usec_list_t.self)
    }

    /// Fires the action after `microseconds`; rescheduling replaces a pending firing.
    package func schedule(on context: OpaquePointer, afterMicroseconds microseconds: Int64) {
        isScheduled = true
        lws_sul_schedule(context, 0, sul, lwsTimerFired, lws_usec_t(max(microseconds, 1)))
    }

    /// Cancels a pending firing; a no-op when none is pending.
    package func cancel() {
        guard isScheduled else { return }
        isScheduled = false
        lws_sul_cancel(sul)
    }

    fileprivate func fire() {
        isScheduled = false
        action()
    }

    fileprivate static func owner(of sul: UnsafeMutableRawPointer) -> LWSTimer {
        let owner = (sul + sulSize).load(as: UnsafeRawPointer.self)
        return Unmanaged<LWSTimer>.fromOpaque(owner).takeUnretainedValue()
    }
}

/// The C callback of every `LWSTimer`: recovers the owner from the memory after the sul.
/// A plain global function, as lws needs a C function pointer.
func lwsTimerFired(_ sul: UnsafeMutablePointer<lws_sorted_usec_list_t>?) {
    guard let sul else { return }
    LWSTimer.owner(of: UnsafeMutableRawPointer(sul)).fire()
}
