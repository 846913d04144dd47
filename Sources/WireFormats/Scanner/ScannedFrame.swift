/// Where one JSON value sits in a frame's bytes, and what kind it is. Absent fields have
/// kind `.absent`. 12 bytes, no references: copying a `ScannedFrame` never allocates.
package struct FrameSpan: Sendable, Equatable {
    /// The JSON type of the value.
    package enum Kind: UInt8, Sendable {
        case absent, string, number, object, array, `true`, `false`, null
    }

    /// Offset of the value's first byte (the opening quote of a string).
    package var start: Int32
    /// Offset just past the value (past the closing quote of a string).
    package var end: Int32
    package var kind: Kind
    /// For strings: the raw bytes hold a backslash escape, so they must be decoded before use.
    package var hasEscapes: Bool

    package static let absent = FrameSpan(start: 0, end: 0, kind: .absent, hasEscapes: false)

    @inline(__always)
    package init(start: Int, end: Int, kind: Kind, hasEscapes: Bool = false) {
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
        self.kind = kind
        self.hasEscapes = hasEscapes
    }

    /// True when the field was present and not `null`.
    @inline(__always)
    package var isPresent: Bool { kind != .absent && kind != .null }
}

/// The fields of one gateway frame (or one wrapped capture record) that the gateway client's
/// routing and normalization need, as spans into the frame's bytes. Filled by `FrameScanner`; read with the frame's bytes
/// through `FrameBytes`. Which fields exist is fixed here, so scanning allocates nothing.
///
/// A plain value; any thread, but only meaningful together with the bytes it was scanned from.
package struct ScannedFrame: Sendable {
    // Top level of a frame (`type`, `event`, `id`, `ok`, `payload`, `ts`; legacy `session_id`,
    // `agent`, `text`) and of a capture wrapper (`source`, `at`, `data`). A wrapper's `data`
    // object is scanned as a frame into these same fields: the two sets of keys do not overlap.
    package var type = FrameSpan.absent
    package var event = FrameSpan.absent
    /// A request's or response's id (the gateway client matches answers to requests).
    package var id = FrameSpan.absent
    /// A response's `ok`.
    package var ok = FrameSpan.absent
    package var payload = FrameSpan.absent
    package var ts = FrameSpan.absent
    package var sessionID = FrameSpan.absent
    package var agent = FrameSpan.absent
    package var text = FrameSpan.absent
    package var source = FrameSpan.absent
    package var at = FrameSpan.absent
    package var data = FrameSpan.absent

    // `payload.*`
    package var runID = FrameSpan.absent
    /// The run's frame number (the gateway client's duplicate and gap checks).
    package var seq = FrameSpan.absent
    /// A `session.message`'s id (the gateway client's duplicate check).
    package var messageID = FrameSpan.absent
    package var stream = FrameSpan.absent
    package var payloadTS = FrameSpan.absent
    package var sessionKey = FrameSpan.absent
    package var agentID = FrameSpan.absent
    package var isHeartbeat = FrameSpan.absent
    package var state = FrameSpan.absent
    package var payloadData = FrameSpan.absent
    package var message = FrameSpan.absent

    // `payload.data.*` (agent and session.tool events)
    package var phase = FrameSpan.absent
    package var name = FrameSpan.absent
    package var toolCallID = FrameSpan.absent
    package var command = FrameSpan.absent  // payload.data.args.command

    // `payload.message.*` (chat and session.message events)
    package var role = FrameSpan.absent
    package var content = FrameSpan.absent
    package var messageTimestamp = FrameSpan.absent
    package var provenanceKind = FrameSpan.absent  // payload.message.inputProvenance.kind

    package init() {}
}
