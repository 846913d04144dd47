import Governance

/// Monotonic counters of `FrameNormalizer`: frames in, events out by kind, and each way a
/// frame can be refused. Exported on `/metrics` under the names in `metrics`.
package struct NormalizerCounters: Sendable, Equatable {
    /// Frames handed to the normalizer.
    package var framesIn: UInt64 = 0
    /// Frames refused as malformed JSON or with a required field missing or mistyped.
    package var malformed: UInt64 = 0
    /// Frames refused for exceeding `FrameNormalizer.maximumFrameBytes`.
    package var oversized: UInt64 = 0
    /// Values refused by a range check (an event time outside `GovernanceEvent.validTimes`);
    /// each also refuses its frame, so it is counted in `malformed` too.
    package var rejectedValues: UInt64 = 0
    /// Frames ignored because their session key names no agent (`cron:…`, `hook:…`).
    package var withoutAgent: UInt64 = 0

    package var runStarted: UInt64 = 0
    package var runEnded: UInt64 = 0
    package var responses: UInt64 = 0
    package var toolCalls: UInt64 = 0
    package var operatorMessages: UInt64 = 0
    package var ledgerEntries: UInt64 = 0
    package var stateChanges: UInt64 = 0
    package var streamDeltas: UInt64 = 0
    package var ticks: UInt64 = 0
    package var shutdowns: UInt64 = 0
    package var sessionsChanged: UInt64 = 0
    /// Frames the engine has no use for (other events, `res` frames, `connect.challenge`),
    /// `withoutAgent` frames included.
    package var ignored: UInt64 = 0

    package init() {}

    /// Counts one produced event under its kind.
    @inline(__always)
    package mutating func count(_ kind: GovernanceEvent.Kind) {
        switch kind {
        case .streamDelta: streamDeltas &+= 1
        case .runStarted: runStarted &+= 1
        case .runEnded: runEnded &+= 1
        case .response: responses &+= 1
        case .toolCall: toolCalls &+= 1
        case .operatorMessage: operatorMessages &+= 1
        case .ledgerEntry: ledgerEntries &+= 1
        case .stateChanged: stateChanges &+= 1
        case .tick: ticks &+= 1
        case .shutdown: shutdowns &+= 1
        case .sessionsChanged: sessionsChanged &+= 1
        case .ignored: ignored &+= 1
        case .ledgerReadable: break  // the files watcher's news, never a frame's
        }
    }

    /// Events produced, all kinds.
    package var eventsOut: UInt64 {
        runStarted + runEnded + responses + toolCalls + operatorMessages + ledgerEntries + stateChanges
            + streamDeltas + ticks + shutdowns + sessionsChanged + ignored
    }

    /// The counters as `/metrics` samples: the one place these names are spelled.
    package var metrics: [(name: String, value: UInt64)] {
        [
            ("moses_normalize_frames_total", framesIn),
            ("moses_normalize_malformed_total", malformed),
            ("moses_normalize_oversized_total", oversized),
            ("moses_normalize_rejected_values_total", rejectedValues),
            ("moses_normalize_without_agent_total", withoutAgent),
            ("moses_normalize_events_total{kind=\"run_started\"}", runStarted),
            ("moses_normalize_events_total{kind=\"run_ended\"}", runEnded),
            ("moses_normalize_events_total{kind=\"response\"}", responses),
            ("moses_normalize_events_total{kind=\"tool_call\"}", toolCalls),
            ("moses_normalize_events_total{kind=\"operator_message\"}", operatorMessages),
            ("moses_normalize_events_total{kind=\"ledger_entry\"}", ledgerEntries),
            ("moses_normalize_events_total{kind=\"state_changed\"}", stateChanges),
            ("moses_normalize_events_total{kind=\"stream_delta\"}", streamDeltas),
            ("moses_normalize_events_total{kind=\"tick\"}", ticks),
            ("moses_normalize_events_total{kind=\"shutdown\"}", shutdowns),
            ("moses_normalize_events_total{kind=\"sessions_changed\"}", sessionsChanged),
            ("moses_normalize_events_total{kind=\"ignored\"}", ignored),
        ]
    }
}
