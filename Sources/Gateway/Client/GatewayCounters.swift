import Synchronization

/// Monotonic counters of the gateway client, written on the service thread and read from
/// any thread (relaxed atomics: each is a total, not a consistent snapshot of all).
package final class GatewayCounters: Sendable {
    /// Complete inbound messages (after reassembly).
    package let framesIn = Atomic<Int>(0)
    /// Inbound payload bytes.
    let bytesIn = Atomic<Int>(0)
    /// Messages handed to the sink (live and resync).
    let delivered = Atomic<Int>(0)
    /// Frames that were not one JSON object; skipped.
    let malformed = Atomic<Int>(0)
    /// Numbers from the gateway refused by their range check (`payload.seq`, the hello's
    /// policy, `retryAfterMs`); the frame itself goes on without them.
    let rejectedValues = Atomic<Int>(0)
    /// Messages over `maxPayload`; dropped.
    let oversized = Atomic<Int>(0)
    /// Frames dropped because their run `seq` (or run/message id) was already seen.
    let duplicates = Atomic<Int>(0)
    /// Connect attempts.
    let connectAttempts = Atomic<Int>(0)
    /// Reconnects scheduled after a failure or a close.
    let reconnects = Atomic<Int>(0)
    /// Handshakes the gateway rejected.
    let rejections = Atomic<Int>(0)
    /// Forward jumps of a run's `seq`.
    let gaps = Atomic<Int>(0)
    /// `chat.history` reads done for a resync.
    let resyncs = Atomic<Int>(0)
    /// History rows handed to the sink as resync frames.
    let resyncMessages = Atomic<Int>(0)
    /// History rows left out because they were already delivered.
    let resyncDuplicates = Atomic<Int>(0)
    /// Sessions whose history was re-read after a restart of the daemon.
    let restartResyncs = Atomic<Int>(0)
    /// History rows left out after a restart because they were judged before the stop
    /// (counted at each read of the session's history).
    let restartJudgedRows = Atomic<Int>(0)
    /// Closes with 4000 after 2×tickInterval of silence.
    let tickTimeouts = Atomic<Int>(0)
    /// RPCs answered with an error.
    let rpcFailures = Atomic<Int>(0)
    /// Times reading from the socket was paused (the store could not write).
    let readPauses = Atomic<Int>(0)

    package init() {}

    /// A plain copy of every counter.
    package struct Snapshot: Sendable, Equatable {
        package var framesIn = 0, bytesIn = 0, delivered = 0, malformed = 0, oversized = 0, duplicates = 0
        package var connectAttempts = 0, reconnects = 0, rejections = 0, gaps = 0, resyncs = 0
        package var resyncMessages = 0, resyncDuplicates = 0, tickTimeouts = 0, rpcFailures = 0
        package var restartResyncs = 0, restartJudgedRows = 0, readPauses = 0, rejectedValues = 0

        /// Metric name and value pairs, `moses_gateway_<what>_total`.
        package var metrics: [(name: String, value: Int)] {
            [
                ("moses_gateway_frames_in_total", framesIn), ("moses_gateway_bytes_in_total", bytesIn),
                ("moses_gateway_delivered_total", delivered), ("moses_gateway_malformed_total", malformed),
                ("moses_gateway_oversized_total", oversized), ("moses_gateway_duplicates_total", duplicates),
                ("moses_gateway_connect_attempts_total", connectAttempts),
                ("moses_gateway_reconnects_total", reconnects), ("moses_gateway_rejections_total", rejections),
                ("moses_gateway_gaps_total", gaps), ("moses_gateway_resyncs_total", resyncs),
                ("moses_gateway_resync_messages_total", resyncMessages),
                ("moses_gateway_resync_duplicates_total", resyncDuplicates),
                ("moses_gateway_tick_timeouts_total", tickTimeouts), ("moses_gateway_rpc_failures_total", rpcFailures),
                ("moses_gateway_restart_resyncs_total", restartResyncs),
                ("moses_gateway_restart_judged_rows_total", restartJudgedRows),
                ("moses_gateway_read_pauses_total", readPauses),
                ("moses_gateway_rejected_values_total", rejectedValues),
            ]
        }
    }

    package var snapshot: Snapshot {
        Snapshot(
            framesIn: framesIn.load(ordering: .relaxed), bytesIn: bytesIn.load(ordering: .relaxed),
            delivered: delivered.load(ordering: .relaxed), malformed: malformed.load(ordering: .relaxed),
            oversized: oversized.load(ordering: .relaxed), duplicates: duplicates.load(ordering: .relaxed),
            connectAttempts: connectAttempts.load(ordering: .relaxed), reconnects: reconnects.load(ordering: .relaxed),
            rejections: rejections.load(ordering: .relaxed), gaps: gaps.load(ordering: .relaxed),
            resyncs: resyncs.load(ordering: .relaxed), resyncMessages: resyncMessages.load(ordering: .relaxed),
            resyncDuplicates: resyncDuplicates.load(ordering: .relaxed),
            tickTimeouts: tickTimeouts.load(ordering: .relaxed), rpcFailures: rpcFailures.load(ordering: .relaxed),
            restartResyncs: restartResyncs.load(ordering: .relaxed), restartJudgedRows: restartJudgedRows.load(ordering: .relaxed),
            readPauses: readPauses.load(ordering: .relaxed), rejectedValues: rejectedValues.load(ordering: .relaxed)
        )
    }
}

extension Atomic where Value == Int {
    /// Adds to a counter (relaxed: counters order nothing).
    func increment(by amount: Int = 1) {
        wrappingAdd(amount, ordering: .relaxed)
    }
}
