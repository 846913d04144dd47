/// What the engine knows of a response it judged, beyond the event itself.
package struct JudgedResponse: Sendable, Equatable {
    /// How many responses of the same agent in the same conversation were judged before it
    /// with the same event time: part of the response's identity when it has no run id.
    package var ordinal: UInt32
    /// True when its audit (a ledger append or an audit tool call) was already known when it
    /// was judged; otherwise it is decided within the grace (see `AuditedResponse`).
    package var isAudited: Bool
}

/// A response whose audit became known after it was judged: names its stored row.
package struct AuditedResponse: Sendable, Equatable {
    package var session: SessionRef
    package var runID: String?
    package var at: Int64
    package var ordinal: UInt32

    package init(session: SessionRef, runID: String?, at: Int64, ordinal: UInt32) {
        self.session = session
        self.runID = runID
        self.at = at
        self.ordinal = ordinal
    }

    init(_ pending: PendingAudit) {
        self.init(session: pending.session, runID: pending.runID, at: pending.at, ordinal: pending.ordinal)
    }
}
