/// HELP texts for the metric families the daemon exposes: one place, by family name.
package enum MetricsHelp {
    /// The HELP text of `name`, or a generic one naming the stage for a family not listed.
    package static func text(for name: String) -> String {
        if let text = texts[name] { return text }
        if name.hasPrefix("moses_engine_violations_") { return "Violations found by the engine for this rule." }
        let stage = name.split(separator: "_").dropFirst().first.map(String.init) ?? "daemon"
        return "moses-coordinator \(stage) metric \(name)."
    }

    private static let texts: [String: String] = [
        "moses_engine_events_total": "Events judged by the governance engine, all kinds.",
        "moses_normalize_events_total": "Events produced by the normalizer, by kind.",
        "moses_normalize_frames_total": "Gateway frames read by the normalizer.",
        "moses_capture_records_total": "Capture records read, by source.",
        "moses_normalize_rejected_values_total": "Frame times outside years 0000-9999 refused by the normalizer (the frame with them).",
        "moses_gateway_rejected_values_total": "Gateway numbers out of range (payload.seq, hello policy, retryAfterMs), left out or pinned.",
        "moses_capture_rejected_values_total": "Capture lines refused for a value out of range.",
        "moses_ledger_rejected_values_total": "MO§ES ledger timestamps that are no valid time (the entry is kept, untimed).",
        "moses_config_rejected_values_total": "Out-of-range values in configuration files whose reload was rejected.",
        "moses_gateway_reconnects_total": "Reconnects to the OpenClaw gateway scheduled after a failure or close.",
        "moses_gateway_connected": "1 while the gateway connection is ready, else 0.",
        "moses_gateway_restart_resyncs_total": "Sessions whose chat.history was re-read after the daemon restarted.",
        "moses_gateway_restart_judged_rows_total": "History rows left out after a restart because they were judged before the stop.",
        "moses_store_dropped_total": "Observations the audit writer dropped (queue full or closed); never violations.",
        "moses_store_degraded": "1 while the audit store cannot write (records held and retried, gateway reading paused), else 0.",
        "moses_store_held_records": "Records held in memory because the audit store cannot write.",
        "moses_store_hold_dropped_total": "Held observations dropped because the hold was full; never violations.",
        "moses_store_spooled_total": "Violations written to the spool at stop because the store could not take them.",
        "moses_store_unspooled_total": "Spooled violations taken in at start.",
        "moses_gateway_read_pauses_total": "Times reading from the gateway was paused because the store could not write.",
        "moses_store_queue_depth": "Records waiting in the audit writer's queue.",
        "moses_store_batch_latency_seconds": "Time to commit the last audit batch.",
        "moses_outbox_pending": "Notifications waiting in the outbox.",
        "moses_outbox_delivered_total": "Notifications delivered from the outbox.",
        "moses_outbox_failed_total": "Notifications given up on after the last attempt.",
        "moses_outbox_suppressed_total": "Notifications held back by flood control (summarized).",
        "moses_notify_attempts_total": "Delivery attempts since start.",
        "moses_notify_retries_total": "Failed delivery attempts that will be retried, since start.",
        "moses_metrics_requests_total": "HTTP requests to the metrics endpoint, by outcome.",
    ]
}
