#if canImport(Glibc)
import Glibc
#endif
import AuditStore
import Runtime
import GatewaySimulator
import Logging

/// `bench --peer`: the seed's legacy stream (`session_update` frames, the conversations in
/// turn, no violations) played by our simulator over loopback to two processes in turn, our
/// daemon (`run --protocol legacy`, every response stored) and the seed's Python
/// coordinator (stores nothing); each one's CPU time and peak RSS come from `wait4`, so
/// the sender's own work is not counted.
package enum PeerBenchmark {
    package struct Options {
        package var events = 300_000
        package var sessions = 1_000
        package var rounds = 3
        /// The skill page to extract the seed's script from; nil looks in the usual places.
        package var seedPage: String?
        /// The Python that runs the seed (with `websockets` installed).
        package var python = "python3"
        package init() {}
    }

    /// One process's figures for one round.
    struct Measurement {
        var usage: ChildProcess.Usage
        var seconds: Double
        var events: Int
        var cpuMicrosecondsPerEvent: Double { Double(usage.cpuMicroseconds) / Double(events) }
    }

    package static func run(_ options: Options) {
        print("peer bench: the seed's legacy stream, \(options.events) session_update frames over \(options.sessions) sessions, no violations, over loopback; CPU and peak RSS of each receiver from wait4 (the sender not counted)")
        let page = options.seedPage.map { SeedCoordinator.readPage(candidates: [$0]) } ?? SeedCoordinator.readPage(candidates: SeedCoordinator.defaultPagePaths)
        var seedScript: String?
        if let page {
            do {
                seedScript = try SeedCoordinator.script(fromPage: page.text)
                print("  seed: coordinator.py extracted from \(page.path)")
            } catch {
                print("  seed: \(error) in \(page.path); measuring ours only")
            }
        } else {
            print("  seed: skill page not found, measuring ours only; \(SeedCoordinator.howToObtain)")
        }
        var ours: [Measurement] = []
        var seed: [Measurement] = []
        for round in 1...max(1, options.rounds) {
            do {
                let measured = try runOurs(options)
                ours.append(measured)
                print("  round \(round) ours (run --protocol legacy, every response stored): \(describe(measured))")
            } catch {
                print("  round \(round) ours failed: \(error)")
            }
            guard let seedScript else { continue }
            do {
                let measured = try runSeed(options, script: seedScript)
                seed.append(measured)
                print("  round \(round) seed (coordinator.py, stores nothing): \(describe(measured))")
            } catch {
                print("  round \(round) seed failed: \(error)")
            }
        }
        guard !ours.isEmpty else { return }
        let oursCPU = medianWithRange(ours.map(\.cpuMicrosecondsPerEvent))
        let oursRSS = medianWithRange(ours.map { Double($0.usage.peakResidentBytes) / 1_048_576 })
        var summary = "peer bench, median of \(ours.count): ours \(oursCPU.text) µs/event CPU, peak RSS \(oursRSS.text) MiB"
        if !seed.isEmpty {
            let seedCPU = medianWithRange(seed.map(\.cpuMicrosecondsPerEvent))
            let seedRSS = medianWithRange(seed.map { Double($0.usage.peakResidentBytes) / 1_048_576 })
            summary += "; seed \(seedCPU.text) µs/event CPU, peak RSS \(seedRSS.text) MiB; ours/seed CPU \(format(oursCPU.median / seedCPU.median)) (goal ≤ 0.5)"
        }
        print(summary)
    }

    static func describe(_ measured: Measurement) -> String {
        "\(format(measured.cpuMicrosecondsPerEvent)) µs/event CPU, peak RSS \(format(Double(measured.usage.peakResidentBytes) / 1_048_576)) MiB, \(format(Double(measured.events) / measured.seconds / 1000)) k events/s"
    }

    // MARK: The two receivers

    /// Our daemon as `run` starts it; done when the store holds every response.
    static func runOurs(_ options: Options) throws(PeerBenchError) -> Measurement {
        let directory = try makeDirectory()
        defer { removeDirectory(directory) }
        let simulator = try startSimulator()
        defer { simulator.stop() }
        let database = directory + "/audit.db"
        let daemon = try ChildProcess(
            arguments: [
                ownExecutable(), "run", "--protocol", "legacy", "--gateway", "ws://127.0.0.1:\(simulator.port ?? 0)",
                "--db", database, "--identity", directory + "/identity.json",
                "--ledger", directory + "/audit_ledger.jsonl", "--state", directory + "/state.json",
            ],
            // No configuration file of the host's: the defaults and the options above.
            environment: ["MOSES_COORDINATOR_CONFIG": directory + "/absent.yaml"],
            logPath: directory + "/daemon.log")
        try awaitClient(simulator, child: daemon, logPath: directory + "/daemon.log")
        let started = ContinuousClock.now
        // No close after the stream: ours is done when the store holds it all.
        send(options, to: simulator, closingAfter: false)
        // Stored: the responses table holds every frame's response. Polled by the highest id
        // on one connection (a count would walk the table, a new connection reread the WAL):
        // the poll shares the machine with the daemon it measures.
        var stored: Int64 = 0
        var reader: Database?
        // Given up after 60 s without progress, not after a fixed total.
        var progressed = ContinuousClock.now
        while stored < options.events {
            guard ContinuousClock.now < progressed + .seconds(60), daemon.poll() == nil else {
                throw .incomplete("the daemon stored \(stored) of \(options.events) responses, none for 60 s; its log: \(directory)/daemon.log")
            }
            usleep(50_000)
            if reader == nil { reader = try? Database(path: database, mode: .readOnly) }
            let now = (try? reader?.singleInteger(sql: "SELECT max(id) FROM responses")) ?? 0
            if now > stored { progressed = .now }
            stored = now
        }
        reader?.close()
        let seconds = started.duration(to: .now).inSeconds
        daemon.send(SIGTERM)
        guard let usage = daemon.wait(seconds: 60) else { throw .incomplete("the daemon did not stop within 60 s of SIGTERM") }
        guard usage.exitedCleanly else { throw .incomplete("the daemon ended with status \(usage.status)") }
        stored = count("responses", in: database) ?? -1
        let violations = count("violations", in: database) ?? -1
        print("    ours stored \(stored) responses and \(violations) violations")
        return Measurement(usage: usage, seconds: seconds, events: options.events)
    }

    /// The seed's script; done when it has read the stream to the close and exited.
    static func runSeed(_ options: Options, script: String) throws(PeerBenchError) -> Measurement {
        let directory = try makeDirectory()
        defer { removeDirectory(directory) }
        let scriptPath = directory + "/coordinator.py"
        try write(script, to: scriptPath)
        let simulator = try startSimulator()
        defer { simulator.stop() }
        let seed = try ChildProcess(
            arguments: [options.python, scriptPath],
            environment: [SeedCoordinator.gatewayVariable: "ws://127.0.0.1:\(simulator.port ?? 0)", "HOME": directory],
            logPath: directory + "/seed.log")
        try awaitClient(simulator, child: seed, logPath: directory + "/seed.log")
        let started = ContinuousClock.now
        send(options, to: simulator, closingAfter: true)
        guard let usage = seed.wait(seconds: 600) else { throw .incomplete("the seed did not finish within 600 s") }
        let seconds = started.duration(to: .now).inSeconds
        guard usage.exitedCleanly else {
            throw .incomplete("the seed ended with status \(usage.status): \(tail(of: directory + "/seed.log"))")
        }
        return Measurement(usage: usage, seconds: seconds, events: options.events)
    }

    // MARK: Sender

    static func startSimulator() throws(PeerBenchError) -> GatewaySimulator {
        var configuration = GatewaySimulatorConfiguration()
        configuration.isLegacy = true
        // The seed's protocol has no ticks.
        configuration.tickIntervalMs = 3_600_000
        let simulator = GatewaySimulator(configuration: configuration, logger: Logger(label: "moses.bench.peer") { _ in SwiftLogNoOpLogHandler() })
        do { try simulator.start() } catch { throw .incomplete("the simulator cannot listen: \(error)") }
        return simulator
    }

    /// The stream, then for the seed a close (1001, going away), which ends its `async for`.
    static func send(_ options: Options, to simulator: GatewaySimulator, closingAfter: Bool) {
        var stream = SyntheticConversationStream(conversations: options.sessions)
        stream.isLegacy = true
        simulator.blast(stream, count: options.events)
        if closingAfter { simulator.play([.dropConnections]) }
    }

    static func awaitClient(_ simulator: GatewaySimulator, child: ChildProcess, logPath: String) throws(PeerBenchError) {
        let deadline = ContinuousClock.now + .seconds(60)
        while simulator.observations.readyClients < 1 {
            guard ContinuousClock.now < deadline, child.poll() == nil else {
                throw .incomplete("the receiver did not connect: \(tail(of: logPath))")
            }
            usleep(5_000)
        }
    }

    // MARK: Helpers

    static func count(_ table: String, in path: String) -> Int64? {
        guard let database = try? Database(path: path, mode: .readOnly) else { return nil }
        defer { database.close() }
        return try? database.singleInteger(sql: "SELECT count(*) FROM \(table)")
    }

    static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe"
    }

    static func makeDirectory() throws(PeerBenchError) -> String {
        var template = Array("/tmp/moses-peer-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .incomplete("cannot make a temporary directory (errno \(errno))")
        }
        return String(cString: made)
    }

    /// Removes the round's files (the store, logs, the extracted script) and the folder.
    static func removeDirectory(_ path: String) {
        guard let directory = opendir(path) else { return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(directory)
        rmdir(path)
    }

    static func write(_ text: String, to path: String) throws(PeerBenchError) {
        guard let file = fopen(path, "we") else { throw .incomplete("cannot write \(path) (errno \(errno))") }
        defer { fclose(file) }
        fputs(text, file)
    }

    /// The last lines of a child's log, for a failure message.
    static func tail(of path: String) -> String {
        guard let text = SeedCoordinator.readPage(candidates: [path])?.text else { return "(no log)" }
        return text.split(separator: "\n").suffix(3).joined(separator: " | ")
    }

    static func medianWithRange(_ values: [Double]) -> (median: Double, text: String) {
        let sorted = values.sorted()
        let median = sorted[sorted.count / 2]
        let text = sorted.count > 1 ? "\(format(median)) (\(format(sorted.first!))–\(format(sorted.last!)))" : format(median)
        return (median, text)
    }

    static func format(_ value: Double) -> String { EngineBenchmark.format(value) }
}

/// Why a peer bench round could not be measured.
enum PeerBenchError: Error, CustomStringConvertible {
    /// `posix_spawn` refused the program.
    case cannotStart(String, errno: Int32)
    /// The skill page holds no recognisable coordinator script.
    case seedScriptNotFound
    /// The round did not run to its end.
    case incomplete(String)

    var description: String {
        switch self {
        case let .cannotStart(program, code): "cannot start \(program) (errno \(code))"
        case .seedScriptNotFound: "no coordinator script (#!/usr/bin/env python3 … asyncio.run(monitor())) found"
        case let .incomplete(reason): reason
        }
    }
}
