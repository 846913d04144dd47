#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Daemon
import Governance
import Logging
import MosesFiles
import Runtime
import WireFormats

/// The MO§ES ledger memory stages of `bench`: the daemon's own path for ledger lines (the
/// files watcher and its tail, the pipeline, the engine, the audit writer into a store on
/// disk) fed a long ledger, and one huge append. Each runs in a process of its own, so its
/// resident memory is its own and not pages another stage freed (`bench --stage`).
package enum LedgerMemoryBenchmark {
    /// The stages `bench --stage` runs.
    package enum Stage: String {
        case ledgerLines = "ledger-lines"
        case ledgerAppend = "ledger-append"
        case ledgerAppendWithoutStore = "ledger-append-without-store"
    }

    /// Runs `bench --stage <stage> …` as a child of this process and waits for it; its
    /// output goes straight to ours.
    package static func runInChildProcess(_ stage: Stage, arguments: [String]) {
        let all = ["moses-coordinator", "bench", "--stage", stage.rawValue] + arguments
        let pointers: [UnsafeMutablePointer<CChar>?] = all.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        // What this process printed must come out before the child's lines.
        fflush(nil)
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/proc/self/exe", nil, nil, pointers, environ)
        guard spawned == 0 else {
            print("\(stage.rawValue): cannot start the stage's process (errno \(spawned))")
            return
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status != 0 { print("\(stage.rawValue): the stage's process ended with status \(status)") }
    }

    /// Appends `lines` lines in appends of `linesPerAppend`, each judged before the next;
    /// prints resident memory over idle as it goes.
    package static func runLines(_ lines: Int, linesPerAppend: Int = 1_000) throws {
        let daemon = try LedgerDaemonPath()
        defer { daemon.close() }
        let idle = ProcessMemory.residentBytes ?? 0
        ProcessMemory.resetPeak()
        var maker = LedgerLineMaker()
        var samples: [String] = []
        let checkpoints = Set([lines / 10, lines / 4, lines / 2, lines])
        let started = ContinuousClock.now
        var written = 0
        while written < lines {
            let count = min(linesPerAppend, lines - written)
            try daemon.append(maker.lines(count))
            written += count
            daemon.waitUntilJudged(written)
            if checkpoints.contains(written) {
                samples.append("\(written / 1_000)k: +\(megabytes((ProcessMemory.residentBytes ?? 0) - idle))")
            }
        }
        let seconds = started.duration(to: .now).inSeconds
        try daemon.flush()
        let after = ProcessMemory.residentBytes ?? 0
        let peak = ProcessMemory.peakResidentBytes ?? 0
        print("ledger lines (tail, pipeline, engine, store; \(linesPerAppend) lines an append): \(lines) lines in \(EngineBenchmark.format(seconds)) s; idle RSS \(megabytes(idle)) MB, stored +\(megabytes(after - idle)) MB, peak +\(megabytes(peak - idle)) MB over idle")
        print("  RSS over idle by lines judged (MB): \(samples.joined(separator: ", ")); \(daemon.retainedSummary); of this, up to \(AuditWriter.Configuration().cacheSizeKiB / 1_024) MiB is the store writer's page cache")
    }

    /// One append of `megabytes` MB of ledger lines, made beforehand in another file and
    /// copied onto the watched ledger in one burst.
    package static func runAppend(megabytes target: Int) throws {
        let daemon = try LedgerDaemonPath()
        defer { daemon.close() }
        let source = daemon.directory + "/source.jsonl"
        let lines = try LedgerLineMaker.writeFile(at: source, bytes: target * 1_048_576)
        let idle = ProcessMemory.residentBytes ?? 0
        ProcessMemory.resetPeak()
        let started = ContinuousClock.now
        try daemon.appendFile(source)
        daemon.waitUntilJudged(lines)
        let judged = ProcessMemory.residentBytes ?? 0
        let seconds = started.duration(to: .now).inSeconds
        try daemon.flush()
        let after = ProcessMemory.residentBytes ?? 0
        let peak = ProcessMemory.peakResidentBytes ?? 0
        print("ledger append: one \(target) MB append (\(lines) lines) judged in \(EngineBenchmark.format(seconds)) s; idle RSS \(megabytes(idle)) MB, when judged +\(megabytes(judged - idle)) MB, stored +\(megabytes(after - idle)) MB, peak +\(megabytes(peak - idle)) MB over idle")
    }

    /// The same append read by the tail and judged by the engine alone, no store: what the
    /// ledger path itself holds, apart from the writer's page cache and queue.
    package static func runAppendWithoutStore(megabytes target: Int) throws {
        var template = Array("/tmp/moses-bench-ledger-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError(reason: "cannot make a temporary directory")
        }
        let directory = String(cString: made), path = directory + "/audit_ledger.jsonl"
        defer { unlink(path); rmdir(directory) }
        let lines = try LedgerLineMaker.writeFile(at: path, bytes: target * 1_048_576)
        var engine = GovernanceEngine(policy: Policy(), state: .default)
        var violations: [Violation] = []
        let idle = ProcessMemory.residentBytes ?? 0
        ProcessMemory.resetPeak()
        let tail = LedgerTail(path: path, fromStart: true)
        tail.forEachAppended { item in
            guard case .entry(let entry, _) = item else { return }
            engine.process(GovernanceEvent(at: entry.timestamp ?? 0, kind: .ledgerEntry(entry)), into: &violations)
            violations.removeAll(keepingCapacity: true)
        }
        let after = ProcessMemory.residentBytes ?? 0
        let peak = ProcessMemory.peakResidentBytes ?? 0
        print("  the same \(target) MB append through the tail and the engine alone (\(engine.counters.ledgerEntries) of \(lines) lines judged, no store): +\(megabytes(after - idle)) MB after, peak +\(megabytes(peak - idle)) MB over idle; \(engine.retainedLedgerAppends) append times held")
    }

    static func megabytes(_ bytes: Int) -> String { EngineBenchmark.format(Double(bytes) / 1_048_576) }
}

/// The daemon's ledger path in a temporary directory: a watcher on `audit_ledger.jsonl`
/// feeding a pipeline whose writer stores into `audit.db`, as `run` wires them.
final class LedgerDaemonPath {
    let directory: String
    let ledgerPath: String
    let writer: AuditWriter
    let pipeline: GatewayPipeline
    let watcher: MosesFilesWatcher

    init() throws {
        var template = Array("/tmp/moses-bench-ledger-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError(reason: "cannot make a temporary directory")
        }
        directory = String(cString: made)
        ledgerPath = directory + "/audit_ledger.jsonl"
        Glibc.close(open(ledgerPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600))
        let logger = Logger(label: "moses.bench.ledger") { _ in SwiftLogNoOpLogHandler() }
        writer = try AuditWriter(path: directory + "/audit.db", configuration: AuditWriter.Configuration(), logger: logger)
        pipeline = GatewayPipeline(engine: GovernanceEngine(policy: Policy(), state: .default), writer: writer, logger: logger)
        let box = PipelineBox()
        box.set(pipeline)
        watcher = MosesFilesWatcher(ledgerPath: ledgerPath, statePath: nil, pollIntervalMs: 100, logger: logger) { change in
            box.handle(change, logger: logger)
        }
        watcher.start()
    }

    /// Appends `bytes` to the ledger in one write.
    func append(_ bytes: [UInt8]) throws {
        let descriptor = open(ledgerPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw BenchError(reason: "cannot open the ledger") }
        defer { Glibc.close(descriptor) }
        try Self.writeAll(bytes[...], to: descriptor)
    }

    /// Appends the file at `path` to the ledger as fast as it can be copied.
    func appendFile(_ path: String) throws {
        let input = open(path, O_RDONLY | O_CLOEXEC), output = open(ledgerPath, O_WRONLY | O_APPEND | O_CLOEXEC)
        defer { Glibc.close(input); Glibc.close(output) }
        guard input >= 0, output >= 0 else { throw BenchError(reason: "cannot open the ledger") }
        var buffer = [UInt8](repeating: 0, count: 8 * 1_048_576)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            try Self.writeAll(buffer[0..<count], to: output)
        }
    }

    /// Waits until the engine has judged `count` ledger lines.
    func waitUntilJudged(_ count: Int) {
        while pipeline.engineCounters.ledgerEntries < UInt64(count) { usleep(1_000) }
    }

    /// Waits until everything judged is stored.
    func flush() throws { try writer.flush() }

    var retainedSummary: String {
        let counters = pipeline.engineCounters
        return "\(counters.ledgerEntries) ledger entries judged, \(counters.violations) violations"
    }

    func close() {
        watcher.stop()
        try? pipeline.finish()
        try? writer.close()
        for name in ["audit_ledger.jsonl", "source.jsonl", "audit.db", "audit.db-wal", "audit.db-shm"] {
            unlink(directory + "/" + name)
        }
        rmdir(directory)
    }

    private static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw BenchError(reason: "write failed (errno \(errno))") }
            written += count
        }
    }
}

/// Chained MO§ES ledger lines as `audit_stub.py` writes them, by the three roles in turn.
struct LedgerLineMaker {
    private var previousHash = String(repeating: "0", count: 64)
    private var index = 0
    private var microseconds: Int64 = 1_767_225_600_000_000
    private static let agents = ["primary", "secondary", "observer"]

    /// The next `count` lines, newline-terminated.
    mutating func lines(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 700)
        for _ in 0..<count {
            microseconds += 1_000
            let record = MosesLedgerRecord.make(
                timestampMicroseconds: microseconds, agent: Self.agents[index % 3], action: "respond",
                detail: "cycle \(index / 3): reviewed the incident and recorded the answer", state: .default,
                previousHash: previousHash)
            previousHash = record.hash ?? previousHash
            index += 1
            bytes += Array(record.fileLine.utf8)
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Writes at least `bytes` bytes of lines to a new file at `path`; returns the lines.
    static func writeFile(at path: String, bytes: Int) throws -> Int {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchError(reason: "cannot create \(path)") }
        defer { close(descriptor) }
        var maker = LedgerLineMaker()
        var written = 0, lines = 0
        while written < bytes {
            let chunk = maker.lines(1_000)
            var offset = 0
            while offset < chunk.count {
                let count = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                guard count > 0 else { throw BenchError(reason: "write failed (errno \(errno))") }
                offset += count
            }
            written += chunk.count
            lines += 1_000
        }
        return lines
    }
}

/// Why a bench stage could not run.
struct BenchError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
