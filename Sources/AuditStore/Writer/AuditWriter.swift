#if canImport(Glibc)
import Glibc
#endif
import Governance
import Logging

/// The audit store's writer: a thread that owns the write connection and commits what
/// producers enqueue in batches, behind a bounded queue.
///
/// A batch commits when it holds `batchSize` records or `batchIntervalMs` after its first
/// record arrived, whichever comes first, or at once on `flush()`/`close()`. Each batch is one
/// `BEGIN IMMEDIATE` transaction; a failed batch is rolled back whole, retried when the
/// error is transient (busy, locked, disk full, I/O), and otherwise counted and reported by
/// the next `flush()`/`close()`. `onDurable` runs on the writer thread after each commit, so
/// a violation is on disk before anyone hears of it.
///
/// Shared between threads: `enqueue`, `flush`, `close` and `counters` may be called from
/// any thread. The thread keeps the writer alive until `close()` returns. `@unchecked Sendable` because every mutable property below the lock line is
/// read and written only while `lock` is held, and `applier` (the connection) is used only
/// by the writer thread after `init` hands it over.
package final class AuditWriter: @unchecked Sendable {
    /// What happens when a record arrives and the queue is full.
    package enum OverflowPolicy: String, Sendable, CaseIterable {
        /// The producer waits for room: nothing is lost, the producer slows down.
        case block
        /// The record is dropped and counted (`moses_store_dropped_total`); the first drop
        /// is logged at warning.
        case drop
    }

    /// Batching, queue and retry settings.
    package struct Configuration: Sendable {
        /// Records per batch at most; a full batch commits at once.
        package var batchSize = 8_192
        /// A batch commits this long after its first record at the latest.
        package var batchIntervalMs = 20
        /// Records the queue holds before the overflow policy applies.
        package var queueCapacity = 65_536
        package var overflowPolicy = OverflowPolicy.block
        /// Attempts per batch for transient errors before the batch is reported failed.
        package var maxAttempts = 5
        /// Pause between attempts; doubles each time.
        package var retryDelayMs = 50
        /// How long a statement waits for another connection's lock.
        package var busyTimeoutMs: Int32 = 5_000
        /// A cap on the database size in pages (`PRAGMA max_page_count`); nil for SQLite's
        /// default. Past it, batches fail with `SQLITE_FULL` as on a full disk.
        package var maxPageCount: Int?
        /// The writer connection's page cache in KiB (`PRAGMA cache_size = -N`). The
        /// per-conversation and per-agent indexes take a page per conversation in each batch;
        /// keeping them cached saves a read per row. SQLite's default is 2 MiB.
        package var cacheSizeKiB = 32 * 1024
        /// When set, each violation is also appended to this MO§ES `audit_ledger.jsonl`
        /// (`MosesLedgerAppender`) after its batch commits and before `onDurable`. Off by
        /// default; the service turns it on from configuration.
        package var mosesLedgerPath: String?
        /// Channels each new violation is queued for in the outbox, in its own transaction.
        package var notificationChannels: [NotificationChannel] = []

        package init() {}
    }

    /// What `enqueue` did with a record.
    package enum EnqueueResult: Sendable, Equatable {
        case accepted
        /// Dropped by the `.drop` overflow policy; counted.
        case dropped
        /// The writer was closed; the record was not taken (counted as dropped).
        case closed
    }

    /// The writer's monotonic counters.
    package struct Counters: Sendable, Equatable {
        /// Records taken into the queue.
        package var accepted: UInt64 = 0
        /// Records in committed batches (duplicates included).
        package var written: UInt64 = 0
        /// Records skipped because the database already had them (replays).
        package var duplicates: UInt64 = 0
        /// Records refused by the overflow policy or after close.
        package var dropped: UInt64 = 0
        package var batches: UInt64 = 0
        /// Attempts that failed and were retried.
        package var retries: UInt64 = 0
        /// Batches given up on, and the records in them.
        package var failedBatches: UInt64 = 0
        package var failedRecords: UInt64 = 0
        /// Violations appended to the MO§ES ledger, and appends that failed (logged, counted,
        /// not retried: the violation is in the store either way).
        package var mosesAppended: UInt64 = 0
        package var mosesAppendFailures: UInt64 = 0
        /// How long the last committed batch took (retries included), in microseconds: a
        /// gauge, so not among `named` (which the store keeps as monotonic counters).
        package var lastBatchMicroseconds: UInt64 = 0

        /// Under their metric names.
        package var named: [(name: String, value: UInt64)] {
            [
                ("moses_store_accepted_total", accepted), ("moses_store_written_total", written),
                ("moses_store_duplicates_total", duplicates), ("moses_store_dropped_total", dropped),
                ("moses_store_batches_total", batches), ("moses_store_retries_total", retries),
                ("moses_store_failed_batches_total", failedBatches),
                ("moses_store_failed_records_total", failedRecords),
                ("moses_store_moses_ledger_appended_total", mosesAppended),
                ("moses_store_moses_ledger_append_failures_total", mosesAppendFailures),
            ]
        }
    }

    /// A committed batch, as told to `onDurable`.
    package struct DurableBatch: Sendable {
        /// Violations now on disk for the first time.
        package var violations: [Violation]
        /// Records in the batch.
        package var records: Int
        /// Records the database already had.
        package var duplicates: Int
    }

    package let configuration: Configuration
    private let logger: Logger
    private let onDurable: @Sendable (DurableBatch) -> Void
    private let lock = ConditionLock()
    private var thread: pthread_t?

    // Guarded by `lock`.
    private var queue: RingBuffer<AuditRecord>
    private var state = Counters()
    private var isClosing = false
    private var isFinished = false
    /// Sequence numbers: records accepted so far, and records whose batch is settled
    /// (committed or given up).
    private var acceptedSequence: UInt64 = 0
    private var settledSequence: UInt64 = 0
    /// The highest sequence a `flush()` waits for; the writer commits without waiting for
    /// the batch window while `settledSequence` is below it.
    private var flushTarget: UInt64 = 0
    private var unreportedFailure: DatabaseError?
    private var hasLoggedDrop = false

    // Writer thread only.
    private let applier: AuditBatchApplier

    /// Opens (creating and migrating) the database at `path` and starts the writer thread.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - configuration: batching, queue and retry settings.
    ///   - logger: the component's logger.
    ///   - onDurable: called on the writer thread after each commit; keep it short.
    /// - Throws: `DatabaseError` for a locked, read-only, corrupt, full or newer-schema database.
    package init(
        path: String, configuration: Configuration = Configuration(), logger: Logger,
        onDurable: @escaping @Sendable (DurableBatch) -> Void = { _ in }
    ) throws(DatabaseError) {
        precondition(configuration.batchSize > 0 && configuration.queueCapacity > 0 && configuration.maxAttempts > 0)
        let database = try AuditDatabase.openWriter(path: path, busyTimeoutMs: configuration.busyTimeoutMs)
        // Integers from our own configuration, not input: pragmas take no bound parameters.
        try database.execute(sql: "PRAGMA cache_size = -\(configuration.cacheSizeKiB)")
        if let pages = configuration.maxPageCount {
            try database.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        self.applier = AuditBatchApplier(database: database)
        applier.notificationChannels = configuration.notificationChannels
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: StoreLogKey.path] = "\(path)"
        self.logger = logger
        self.onDurable = onDurable
        self.queue = RingBuffer(capacity: configuration.queueCapacity)
        startThread()
    }

    // MARK: Producer side

    /// Hands one record to the writer.
    ///
    /// With `.block` this waits while the queue is full; with `.drop` it returns `.dropped`.
    package func enqueue(_ record: AuditRecord) -> EnqueueResult {
        lock.lock()
        defer { lock.unlock() }
        while queue.isFull && !isClosing {
            guard configuration.overflowPolicy == .block else {
                state.dropped += 1
                if !hasLoggedDrop {
                    hasLoggedDrop = true
                    logger.warning("audit queue full, dropping records", metadata: [
                        StoreLogKey.queueCapacity: "\(configuration.queueCapacity)",
                    ])
                }
                return .dropped
            }
            lock.waitForProgress()
        }
        guard !isClosing else {
            state.dropped += 1
            return .closed
        }
        queue.append(record)
        acceptedSequence += 1
        state.accepted += 1
        if queue.count == 1 || queue.count >= configuration.batchSize || queue.isFull { lock.signalWork() }
        return .accepted
    }

    /// Waits until every record accepted before this call is committed (or given up on).
    ///
    /// - Throws: the first `DatabaseError` of a batch given up on since the last report.
    package func flush() throws(DatabaseError) {
        lock.lock()
        defer { lock.unlock() }
        let target = acceptedSequence
        flushTarget = max(flushTarget, target)
        lock.signalWork()
        while settledSequence < target && !isFinished { lock.waitForProgress() }
        if let failure = unreportedFailure {
            unreportedFailure = nil
            throw failure
        }
    }

    /// Stops taking records, commits everything accepted, and stops the thread. Idempotent.
    ///
    /// - Throws: the first `DatabaseError` of a batch given up on since the last report.
    package func close() throws(DatabaseError) {
        lock.withLock {
            isClosing = true
            lock.signalWork()
            lock.broadcastProgress()
        }
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        let failure = lock.withLock { () -> DatabaseError? in
            defer { unreportedFailure = nil }
            return unreportedFailure
        }
        if let failure { throw failure }
    }

    /// A snapshot of the counters.
    package var counters: Counters { lock.withLock { state } }

    /// Records waiting in the queue now.
    package var queueDepth: Int { lock.withLock { queue.count } }

    // MARK: Writer thread

    private func startThread() {
        // The thread holds a retain on `self` (passRetained) until `run()` returns; `close()`
        // joins it before the last caller reference can go.
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, auditWriterThreadMain, context)
        precondition(code == 0, "pthread_create failed: \(code)")
        thread = handle
    }

    func run() {
        var batch: [AuditRecord] = []
        batch.reserveCapacity(configuration.batchSize)
        while true {
            lock.lock()
            while queue.isEmpty && !isClosing { lock.waitForWork() }
            if queue.isEmpty && isClosing {
                isFinished = true
                lock.broadcastProgress()
                lock.unlock()
                return
            }
            // Fill the batch until it is full, its window ends, the queue is full (producers
            // are waiting), or someone flushes or closes.
            let deadline = WallClock.monotonicNanoseconds() + UInt64(configuration.batchIntervalMs) * 1_000_000
            while queue.count < configuration.batchSize && !queue.isFull && !isClosing
                && flushTarget <= settledSequence && WallClock.monotonicNanoseconds() < deadline {
                lock.waitForWork(until: deadline)
            }
            batch.removeAll(keepingCapacity: true)
            queue.removeFirst(upTo: configuration.batchSize, into: &batch)
            var counters = state
            lock.broadcastProgress()  // room in the queue
            lock.unlock()

            counters.written += UInt64(batch.count)
            counters.batches += 1
            let started = WallClock.monotonicNanoseconds()
            let result = commit(batch, counters: counters)
            let elapsed = (WallClock.monotonicNanoseconds() - started) / 1_000

            lock.lock()
            settledSequence += UInt64(batch.count)
            switch result {
            case .success(let outcome):
                state.written += UInt64(batch.count)
                state.batches += 1
                state.lastBatchMicroseconds = elapsed
                state.duplicates += UInt64(outcome.duplicates)
            case .failure(let error):
                state.failedBatches += 1
                state.failedRecords += UInt64(batch.count)
                if unreportedFailure == nil { unreportedFailure = error }
            }
            lock.broadcastProgress()
            lock.unlock()
            if case .success(let outcome) = result {
                appendToMosesLedger(outcome.newViolations)
                onDurable(DurableBatch(violations: outcome.newViolations, records: batch.count, duplicates: outcome.duplicates))
            }
        }
    }

    /// Appends committed violations to the MO§ES ledger when configured; failures are
    /// counted and logged once per batch.
    private func appendToMosesLedger(_ violations: [Violation]) {
        guard let path = configuration.mosesLedgerPath, !violations.isEmpty else { return }
        let appender = MosesLedgerAppender(path: path)
        var appended: UInt64 = 0
        var failures: UInt64 = 0
        var firstError: LedgerFileError?
        for violation in violations {
            do throws(LedgerFileError) {
                try appender.append(violation)
                appended += 1
            } catch {
                failures += 1
                if firstError == nil { firstError = error }
            }
        }
        if let firstError {
            logger.error("MO§ES ledger append failed", metadata: [
                StoreLogKey.error: "\(firstError)", StoreLogKey.failures: "\(failures)",
            ])
        }
        lock.withLock {
            state.mosesAppended += appended
            state.mosesAppendFailures += failures
        }
    }

    private func commit(_ batch: [AuditRecord], counters: Counters) -> Result<AuditBatchApplier.Outcome, DatabaseError> {
        var delayMs = configuration.retryDelayMs
        var attempt = 1
        while true {
            do throws(DatabaseError) {
                let outcome = try applier.apply(batch, recordedAt: WallClock.milliseconds(), counters: counters.named)
                logger.debug("audit batch committed", metadata: [StoreLogKey.batchSize: "\(batch.count)"])
                return .success(outcome)
            } catch {
                guard error.isTransient, attempt < configuration.maxAttempts else {
                    logger.error("audit batch failed, records not stored", metadata: [
                        StoreLogKey.batchSize: "\(batch.count)", StoreLogKey.error: "\(error)",
                    ])
                    return .failure(error)
                }
                lock.withLock { state.retries += 1 }
                logger.info("audit batch failed, retrying", metadata: [
                    StoreLogKey.batchSize: "\(batch.count)", StoreLogKey.error: "\(error)",
                    StoreLogKey.attempt: "\(attempt)",
                ])
                // A pause on the writer's own thread between attempts (backoff), not a wait
                // for a condition: nothing can signal that the disk has room again.
                usleep(UInt32(delayMs) * 1000)
                delayMs *= 2
                attempt += 1
            }
        }
    }
}

/// The writer thread's entry point: a plain global function; the context is the
/// `AuditWriter`, retained by `startThread` and released here when `run()` returns.
private func auditWriterThreadMain(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let writer = Unmanaged<AuditWriter>.fromOpaque(context!).takeRetainedValue()
    writer.run()
    return nil
}

/// The store's log metadata keys.
enum StoreLogKey {
    static let path = "store.path"
    static let batchSize = "store.batch.size"
    static let queueCapacity = "store.queue.capacity"
    static let attempt = "store.attempt"
    static let failures = "store.failures"
    static let error = "error"
}
