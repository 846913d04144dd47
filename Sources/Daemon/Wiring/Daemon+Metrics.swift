import AuditStore
import MetricsEndpoint
import Runtime

extension Daemon {
    /// Every counter the daemon keeps, for `/metrics` (called on the metrics thread).
    static func metricsSnapshot(of parts: Parts) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.add(named: CountersSnapshot(at: WallClock.milliseconds(), engine: parts.pipeline.engineCounters).values)
        snapshot.add(named: parts.pipeline.normalizerCounters.metrics)
        if let client = parts.client { snapshot.add(named: client.counters.snapshot.metrics) }
        let writer = parts.writer
        snapshot.add(named: writer.counters.named)
        snapshot.add("moses_store_queue_depth", value: Double(writer.queueDepth))
        snapshot.add("moses_store_batch_latency_seconds", value: Double(writer.counters.lastBatchMicroseconds) / 1e6)
        snapshot.add("moses_store_degraded", value: writer.counters.isDegraded ? 1 : 0)
        snapshot.add("moses_store_held_records", value: Double(writer.counters.heldNow))
        if case .ready? = parts.client?.currentStatus {
            snapshot.add("moses_gateway_connected", value: 1)
        } else {
            snapshot.add("moses_gateway_connected", value: 0)
        }
        if let integrity = parts.integrity {
            snapshot.add(named: integrity.counters.named)
            snapshot.add("moses_store_corrupt", value: integrity.isCorrupt ? 1 : 0)
        }
        if let delivery = parts.delivery {
            snapshot.add(named: delivery.outboxCounts.metrics)
            snapshot.add(named: delivery.counters.metrics)
        }
        if let files = parts.watcher { snapshot.add(named: files.counters.metrics) }
        if let holder = parts.holder { snapshot.add(named: holder.counters.metrics) }
        return snapshot
    }
}
