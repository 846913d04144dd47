/// Every metric family the daemon exposes on `/metrics` (and, for counters, keeps in the
/// store's `stats` view): its name, type, labels and the HELP text saying what it counts.
///
/// The one place a family is declared. The components' counter structs spell the sample
/// names they report (`AuditWriter.Counters.named`, `NormalizerCounters.metrics`, …) because
/// the store keys its `stats` rows by them; `MetricsSnapshot` takes every sample through
/// this catalog, so a name the catalog does not declare is a bug and traps, and the tests
/// check each struct's names against it.
///
/// A constant table; read it from any thread.
package enum MetricsCatalog {
    /// One family.
    package struct Definition: Sendable, Equatable {
        /// `moses_<stage>_<what>_total` for counters, no suffix for gauges.
        package var name: String
        package var kind: MetricsSnapshot.Kind
        /// The label names every sample carries, in order; empty for an unlabelled family.
        package var labels: [String]
        /// What one unit of the value is and what adds to it.
        package var help: String

        init(_ name: String, _ kind: MetricsSnapshot.Kind, labels: [String] = [], _ help: String) {
            self.name = name
            self.kind = kind
            self.labels = labels
            self.help = help
        }
    }

    /// The definition of the family `name`, or nil when the catalog has none.
    package static func definition(named name: String) -> Definition? {
        byName[name]
    }

    private static let byName: [String: Definition] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Every family, grouped by stage.
    package static let all: [Definition] = engine + normalize + capture + gateway + files + store + outbox + notify + config
        + endpoint

    private static let engine: [Definition] = [
        .init("moses_engine_events_total", .counter, "Events judged by the governance engine, all kinds."),
        .init("moses_engine_responses_total", .counter, "Agent responses judged by the engine."),
        .init("moses_engine_duplicate_responses_total", .counter,
              "Response frames for a run whose response was already judged; not judged again."),
        .init("moses_engine_tool_calls_total", .counter, "Agent tool calls judged by the engine."),
        .init("moses_engine_stream_deltas_total", .counter, "Streaming response deltas seen by the engine."),
        .init("moses_engine_ledger_entries_total", .counter, "MO§ES audit ledger entries seen by the engine."),
        .init("moses_engine_state_changes_total", .counter, "MO§ES governance state changes (mode, posture, role) applied."),
        .init("moses_engine_ignored_total", .counter, "Events the engine had no rule for and skipped."),
        .init("moses_engine_ungoverned_total", .counter, "Responses and tool calls by agents with no governance role; not judged."),
        .init("moses_engine_evicted_conversations_total", .counter,
              "Conversations forgotten after the configured idle time (their state freed)."),
        .init("moses_engine_audits_unverifiable_total", .counter,
              "Responses whose audit-before-response could not be judged because the MO§ES ledger was not readable."),
        .init("moses_violations_total", .counter, labels: ["rule"],
              "Governance violations found by the engine, by rule id; every rule has a series from the start."),
        .init("moses_ledger_rejected_values_total", .counter,
              "MO§ES ledger timestamps that are no valid time (the entry is kept, untimed)."),
    ]

    private static let normalize: [Definition] = [
        .init("moses_normalize_frames_total", .counter, "Gateway frames handed to the normalizer."),
        .init("moses_normalize_malformed_total", .counter,
              "Frames refused as malformed JSON or with a required field missing or mistyped."),
        .init("moses_normalize_oversized_total", .counter, "Frames refused for exceeding the normalizer's size limit."),
        .init("moses_normalize_rejected_values_total", .counter,
              "Frame times outside years 0000-9999 refused by the normalizer (the frame with them)."),
        .init("moses_normalize_without_agent_total", .counter,
              "Frames ignored because their session key names no agent (cron:, hook:)."),
        .init("moses_normalize_events_total", .counter, labels: ["kind"], "Events produced by the normalizer, by event kind."),
    ]

    private static let capture: [Definition] = [
        .init("moses_capture_lines_total", .counter, "Capture lines read by replay, blank ones included."),
        .init("moses_capture_blank_lines_total", .counter, "Blank capture lines skipped."),
        .init("moses_capture_records_total", .counter, labels: ["source"], "Capture records read, by the source they were recorded from."),
        .init("moses_capture_malformed_total", .counter, "Capture lines refused as malformed (JSON, wrapper, frame, ledger or state)."),
        .init("moses_capture_oversized_total", .counter, "Capture lines refused for exceeding the line length limit."),
        .init("moses_capture_rejected_values_total", .counter, "Capture lines refused for a value out of range."),
    ]

    private static let gateway: [Definition] = [
        .init("moses_gateway_frames_in_total", .counter, "Complete WebSocket messages received from the gateway."),
        .init("moses_gateway_bytes_in_total", .counter, "Payload bytes received from the gateway."),
        .init("moses_gateway_delivered_total", .counter, "Gateway messages handed to the judging pipeline (live and resync)."),
        .init("moses_gateway_malformed_total", .counter, "Gateway messages that were not one JSON object; skipped."),
        .init("moses_gateway_oversized_total", .counter, "Gateway messages over the payload limit; dropped."),
        .init("moses_gateway_duplicates_total", .counter, "Gateway frames dropped because their run seq or message id was already seen."),
        .init("moses_gateway_connect_attempts_total", .counter, "Connection attempts to the OpenClaw gateway."),
        .init("moses_gateway_reconnects_total", .counter, "Reconnects to the OpenClaw gateway scheduled after a failure or close."),
        .init("moses_gateway_rejections_total", .counter, "Handshakes the gateway rejected."),
        .init("moses_gateway_gaps_total", .counter, "Forward jumps of a run's seq (frames missed)."),
        .init("moses_gateway_resyncs_total", .counter, "chat.history reads done to fill a gap or reconnect."),
        .init("moses_gateway_resync_messages_total", .counter, "History rows handed to the pipeline by resyncs."),
        .init("moses_gateway_resync_duplicates_total", .counter, "History rows left out by resyncs because they were already delivered."),
        .init("moses_gateway_tick_timeouts_total", .counter, "Connections closed after two tick intervals of silence from the gateway."),
        .init("moses_gateway_rpc_failures_total", .counter, "Gateway RPCs answered with an error."),
        .init("moses_gateway_restart_resyncs_total", .counter, "Sessions whose chat.history was re-read after the daemon restarted."),
        .init("moses_gateway_restart_judged_rows_total", .counter,
              "History rows left out after a restart because they were judged before the stop."),
        .init("moses_gateway_read_pauses_total", .counter, "Times reading from the gateway was paused because the store could not write."),
        .init("moses_gateway_rejected_values_total", .counter,
              "Gateway numbers out of range (payload.seq, hello policy, retryAfterMs), left out or pinned."),
        .init("moses_gateway_connected", .gauge, "1 while the gateway connection is ready, else 0."),
    ]

    private static let files: [Definition] = [
        .init("moses_files_ledger_lines_rejected_total", .counter,
              "MO§ES ledger lines that are no ledger entry (malformed or over the length limit)."),
        .init("moses_files_ledger_lines_oversized_total", .counter, "MO§ES ledger lines over the length limit, skipped unread."),
        .init("moses_files_state_rejected_total", .counter, "Versions of the MO§ES state.json that could not be used (the previous state stays)."),
    ]

    private static let store: [Definition] = [
        .init("moses_store_accepted_total", .counter, "Records taken into the audit writer's queue."),
        .init("moses_store_written_total", .counter, "Records in committed audit batches, duplicates included."),
        .init("moses_store_duplicates_total", .counter, "Records skipped because the store already had them (replays, resyncs)."),
        .init("moses_store_dropped_total", .counter, "Observations the audit writer dropped (queue full or closed); never violations."),
        .init("moses_store_batches_total", .counter, "Audit batches committed."),
        .init("moses_store_retries_total", .counter, "Audit batch attempts that failed and were retried."),
        .init("moses_store_failed_batches_total", .counter, "Audit batch attempts that failed."),
        .init("moses_store_failed_records_total", .counter, "Observations not stored at stop; violations are spooled instead."),
        .init("moses_store_moses_ledger_appended_total", .counter, "Violations appended to the MO§ES audit ledger after they were stored."),
        .init("moses_store_moses_ledger_append_failures_total", .counter,
              "Appends of stored violations to the MO§ES audit ledger that failed (not retried)."),
        .init("moses_store_degraded_episodes_total", .counter, "Times the store stopped taking batches and started holding records."),
        .init("moses_store_held_total", .counter, "Records moved into the in-memory hold while the store could not write."),
        .init("moses_store_hold_dropped_total", .counter, "Held observations dropped because the hold was full; never violations."),
        .init("moses_store_spooled_total", .counter, "Violations written to the spool at stop because the store could not take them."),
        .init("moses_store_unspooled_total", .counter, "Spooled violations taken in at start."),
        .init("moses_store_spool_refused_total", .counter, "Spool lines that were no violation, set aside in a .refused file."),
        .init("moses_store_integrity_checks_total", .counter, "Integrity checks of the store (start and periodic)."),
        .init("moses_store_integrity_failures_total", .counter, "Integrity checks that found corruption or a broken ledger chain."),
        .init("moses_store_integrity_incomplete_total", .counter, "Page checks of the store stopped at their time limit."),
        .init("moses_store_ledger_rows_verified_total", .counter, "Store ledger rows whose hash chain was verified."),
        .init("moses_store_corruption_errors_total", .counter, "Store errors reported by components that mean the database is corrupt."),
        .init("moses_store_queue_depth", .gauge, "Records waiting in the audit writer's queue."),
        .init("moses_store_batch_latency_seconds", .gauge, "Time to commit the last audit batch, retries included."),
        .init("moses_store_degraded", .gauge,
              "1 while the audit store cannot write (records held and retried, gateway reading paused), else 0."),
        .init("moses_store_held_records", .gauge, "Records held in memory now because the audit store cannot write."),
        .init("moses_store_corrupt", .gauge, "1 once an integrity check found the store corrupt or its ledger chain broken, else 0."),
    ]

    private static let outbox: [Definition] = [
        .init("moses_outbox_pending", .gauge, "Notifications waiting in the outbox."),
        .init("moses_outbox_delivered_total", .counter, "Notifications delivered from the outbox."),
        .init("moses_outbox_failed_total", .counter, "Notifications given up on after the last attempt."),
        .init("moses_outbox_suppressed_total", .counter, "Notifications held back by flood control (summarized)."),
    ]

    private static let notify: [Definition] = [
        .init("moses_notify_attempts_total", .counter, "Notification delivery attempts since start."),
        .init("moses_notify_delivered_total", .counter, "Notifications delivered since start."),
        .init("moses_notify_retries_total", .counter, "Failed notification delivery attempts that will be retried, since start."),
        .init("moses_notify_failed_total", .counter, "Notifications given up on since start."),
        .init("moses_notify_suppressed_total", .counter, "Notifications held back by flood control since start."),
        .init("moses_notify_summaries_total", .counter, "Flood-control summary notifications queued since start."),
        .init("moses_notify_store_errors_total", .counter, "Database errors in the notifier's own outbox bookkeeping."),
    ]

    private static let config: [Definition] = [
        .init("moses_config_reloads_total", .counter, "Configuration reloads (SIGHUP) applied."),
        .init("moses_config_reload_failures_total", .counter, "Configuration reloads rejected; the previous configuration stays."),
        .init("moses_config_rejected_values_total", .counter, "Out-of-range values in configuration files whose reload was rejected."),
    ]

    private static let endpoint: [Definition] = [
        .init("moses_metrics_requests_total", .counter, labels: ["outcome"], "HTTP requests to the metrics endpoint, by outcome."),
    ]
}
