/// Reassembles WebSocket messages from the chunks lws delivers (lws never reassembles:
/// chunks end at `rx_buffer_size`, frame ends, TLS records and TCP segments), with a hard
/// size limit.
///
/// Thread-bound: one per connection, used on the service thread. A class so that the
/// delivery closure may change `limit` or `reset()` it without an exclusivity conflict.
package final class MessageAssembler {
    /// What one chunk completed.
    package enum Outcome {
        /// The message is not complete yet.
        case incomplete
        /// A message over the limit ended; its bytes were dropped (total size given).
        case dropped(size: Int)
    }

    /// Largest message accepted, in bytes.
    package var limit: Int
    private var buffer: [UInt8] = []
    private var isAssembling = false
    private var isDropping = false
    private var droppedSize = 0

    /// Retained buffer capacity between messages; a bigger one is freed after use.
    private static let keptCapacity = 1 << 20

    package init(limit: Int) {
        self.limit = limit
    }

    /// Feeds one chunk.
    ///
    /// - Parameters:
    ///   - chunk: the bytes lws delivered.
    ///   - isMessageEnd: `lws_is_final_fragment && lws_remaining_packet_payload == 0`.
    ///   - deliver: called with each complete message within the limit; a chunk that is a
    ///     whole message is passed in place, without a copy (the fast path).
    /// - Returns: `.dropped` when an oversized message ended with this chunk.
    package func feed(_ chunk: UnsafeRawBufferPointer, isMessageEnd: Bool, deliver: (UnsafeRawBufferPointer) -> Void) -> Outcome {
        if !isAssembling && !isDropping && isMessageEnd {
            if chunk.count > limit { return .dropped(size: chunk.count) }
            deliver(chunk)
            return .incomplete
        }
        if isDropping {
            droppedSize += chunk.count
            if isMessageEnd { return finishDrop() }
            return .incomplete
        }
        if buffer.count + chunk.count > limit {
            droppedSize = buffer.count + chunk.count
            isDropping = true
            isAssembling = false
            releaseBuffer()
            if isMessageEnd { return finishDrop() }
            return .incomplete
        }
        isAssembling = true
        buffer.append(contentsOf: chunk)
        if isMessageEnd {
            var message: [UInt8] = []
            swap(&message, &buffer)
            isAssembling = false
            message.withUnsafeBytes { deliver($0) }
            if buffer.isEmpty { swap(&message, &buffer) }
            releaseBuffer()
        }
        return .incomplete
    }

    /// Forgets a partial message (the connection closed).
    func reset() {
        isAssembling = false
        isDropping = false
        droppedSize = 0
        releaseBuffer()
    }

    private func finishDrop() -> Outcome {
        let size = droppedSize
        isDropping = false
        droppedSize = 0
        return .dropped(size: size)
    }

    private func releaseBuffer() {
        if buffer.capacity > Self.keptCapacity { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
    }
}
