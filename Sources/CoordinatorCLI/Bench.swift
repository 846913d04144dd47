import ArgumentParser
import AuditStore
import Governance
import Runtime
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator bench`: throughput and memory figures on generated data.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the engine's throughput and memory on generated conversations.",
            discussion: """
                Build in release mode first (swift build -c release); debug builds are ~10x slower.
                Figures are printed, never asserted: machines here are noisy.
                """
        )

        @Option(help: "Number of live conversations for the memory stage.")
        var conversations = 100_000

        @Option(help: "Events for the parse and engine-only stages.")
        var events = 2_000_000

        @Option(help: "Violations written by the store stage's plain loop and writer (0 skips the stage).")
        var storeRows = 300_000

        @Option(help: "Records per transaction in the store stage (both the plain loop and the writer).")
        var storeBatch = 8_192

        @Option(help: "Rows of the table the store stage's last-hour query runs over.")
        var queryRows = 2_000_000

        @Option(help: ArgumentHelp("Where the store stage's temporary databases go (the store's disk).", valueName: "directory"))
        var storeDirectory = "/tmp"

        @Option(help: "Frames for the live gateway stages over loopback (0 skips them).")
        var liveEvents = 1_000_000

        @Option(help: "MO§ES ledger lines for the ledger memory stage, 1,000 an append (0 skips it).")
        var ledgerLines = 1_000_000

        @Option(help: ArgumentHelp("Megabytes of the ledger memory stage's one append (0 skips it).", valueName: "MB"))
        var ledgerAppendMB = 200

        /// Runs one stage alone: how the ledger stages get a process of their own.
        @Option(help: .hidden)
        var stage: String?

        func run() throws {
            if let stage {
                switch LedgerMemoryBenchmark.Stage(rawValue: stage) {
                case .ledgerLines: try LedgerMemoryBenchmark.runLines(ledgerLines)
                case .ledgerAppend: try LedgerMemoryBenchmark.runAppend(megabytes: ledgerAppendMB)
                case .ledgerAppendWithoutStore: try LedgerMemoryBenchmark.runAppendWithoutStore(megabytes: ledgerAppendMB)
                case nil: throw ValidationError("unknown stage \(stage)")
                }
                return
            }
            print("moses-coordinator bench (\(isDebugBuild ? "DEBUG build: figures are not representative" : "release build"))")
            // Memory first, on a fresh heap: after the other stages, freed pages still resident
            // would be reused and the growth would understate what the conversations need.
            EngineBenchmark.runMemoryStage(conversations: conversations)
            // Each in a fresh process, for the same reason.
            if ledgerLines > 0 { LedgerMemoryBenchmark.runInChildProcess(.ledgerLines, arguments: ["--ledger-lines", "\(ledgerLines)"]) }
            if ledgerAppendMB > 0 {
                LedgerMemoryBenchmark.runInChildProcess(.ledgerAppend, arguments: ["--ledger-append-mb", "\(ledgerAppendMB)"])
                LedgerMemoryBenchmark.runInChildProcess(.ledgerAppendWithoutStore, arguments: ["--ledger-append-mb", "\(ledgerAppendMB)"])
            }
            ParseBenchmark.run(events: events, conversations: 10_000)
            EngineBenchmark.runEngineStage(events: events, conversations: 10_000)
            if storeRows > 0 {
                print(try StoreBenchmark.run(rows: storeRows, queryRows: queryRows, directory: storeDirectory, batchSize: storeBatch))
            }
            LiveBenchmark.run(events: liveEvents)
        }
    }
}

#if DEBUG
let isDebugBuild = true
#else
let isDebugBuild = false
#endif

/// The engine-only stages of `bench`: events made in memory, no parsing.
enum EngineBenchmark {
    /// A realistic mix per cycle: lifecycle, deltas, tool call, response, per role.
    static func makeCycle(conversation: String, cycle: Int, at: inout Int64) -> [GovernanceEvent] {
        var events: [GovernanceEvent] = []
        for role in ["primary", "secondary", "observer"] {
            let session = SessionRef(sessionKey: "agent:\(role):\(conversation)", agentID: role, conversation: conversation)
            let run = "\(conversation)-\(role)-\(cycle)"
            at += 10
            events.append(GovernanceEvent(at: at, kind: .runStarted(RunStart(session: session, runID: run))))
            at += 10
            events.append(GovernanceEvent(at: at, kind: .ledgerEntry(LedgerEntry(
                agent: role, action: "respond", timestamp: at, hash: "h", previousHash: String(repeating: "0", count: 64), computedHash: "h"))))
            for _ in 0..<24 {
                at += 1
                events.append(GovernanceEvent(at: at, kind: .streamDelta))
            }
            at += 10
            // Observers only flag: they call no tools.
            if role != "observer" { events.append(GovernanceEvent(at: at, kind: .toolCall(ToolCall(session: session, runID: run, toolCallID: run + "-t", name: "read", command: "")))) }
            at += 10
            events.append(GovernanceEvent(at: at, kind: .response(Response(
                session: session, runID: run, text: "\(role) considered the incident and proposes step \(cycle)", source: .chatFinal))))
        }
        return events
    }

    static func runEngineStage(events target: Int, conversations: Int) {
        var at: Int64 = 1_767_225_600_000
        var events: [GovernanceEvent] = []
        var cycle = 0
        while events.count < target {
            for index in 0..<conversations where events.count < target {
                events += makeCycle(conversation: "discord:group:\(index)", cycle: cycle, at: &at)
            }
            cycle += 1
        }
        var engine = GovernanceEngine(state: GovernanceState(mode: .highIntegrity, posture: .offense, role: .primary))
        var violations: [Violation] = []
        let seconds = ContinuousClock().measure {
            for event in events { engine.process(event, into: &violations) }
            engine.finish(into: &violations)
        }.inSeconds
        let rate = Double(events.count) / seconds
        print("engine only: \(events.count) events in \(format(seconds)) s = \(format(rate / 1e6)) M events/s, \(violations.count) violations")
        for rule in RuleID.allCases where engine.counters.violations(of: rule) > 0 {
            print("  \(rule.rawValue): \(engine.counters.violations(of: rule))")
        }
    }

    static func runMemoryStage(conversations: Int) {
        let before = ProcessMemory.residentBytes ?? 0
        var engine = GovernanceEngine(state: GovernanceState(mode: .highIntegrity, posture: .offense, role: .primary))
        var violations: [Violation] = []
        var at: Int64 = 1_767_225_600_000
        // Leave every conversation mid-cycle (Primary and Secondary answered), the costliest state.
        for index in 0..<conversations {
            let cycle = makeCycle(conversation: "discord:group:\(index)", cycle: 0, at: &at)
            for event in cycle.prefix(cycle.count * 2 / 3) { engine.process(event, into: &violations) }
        }
        let after = ProcessMemory.residentBytes ?? 0
        let megabytes = Double(after - before) / 1_048_576
        print("memory: \(engine.conversationCount) live conversations (mid-cycle) hold \(format(megabytes)) MB of resident memory (\(Int(Double(after - before) / Double(max(conversations, 1)))) B each)")
        withExtendedLifetime(engine) {}
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }
}

/// The parse stage of `bench`: a generated realistic capture (mostly streaming deltas) read
/// by a bare byte scan, by the scanner alone, and by the full path (scanner, normalizer,
/// engine) on one core. Each is timed `repetitions` times and its fastest run reported, so
/// that a noisy neighbour does not decide the ratio.
enum ParseBenchmark {
    static let repetitions = 3

    static func run(events: Int, conversations: Int) {
        let capture = CaptureBenchmark.generateRealisticCapture(events: events, conversations: conversations, seed: 42)
        var lines = 0, scanned = 0
        let scanSeconds = fastest { lines = CaptureBenchmark.bareScan(capture) }
        let scannerSeconds = fastest { scanned = capture.withUnsafeBytes { CaptureBenchmark.scannerOnly($0) } }
        var engine = GovernanceEngine()
        var judged = 0, refused = 0
        let fullSeconds = fastest {
            engine = GovernanceEngine(state: GovernanceState(mode: .highIntegrity, posture: .defense, role: .primary))
            var reader = CaptureReader(bytes: capture)
            var found: [Violation] = []
            judged = 0
            refused = 0
            // The generated capture reads from memory, so `forEach` cannot fail.
            try? reader.forEach({ event in
                engine.process(event, into: &found)
                judged += 1
                found.removeAll(keepingCapacity: true)
            }, refused: { _ in refused += 1 })
            engine.finish(into: &found)
        }
        let scanRate = Double(lines) / scanSeconds, fullRate = Double(judged) / fullSeconds
        let megabytes = Double(capture.count) / 1_048_576
        func rate(_ count: Int, _ seconds: Double) -> String {
            "\(count) lines in \(EngineBenchmark.format(seconds)) s = \(EngineBenchmark.format(Double(count) / seconds / 1e6)) M events/s"
        }
        print("capture: \(events) records, \(EngineBenchmark.format(megabytes)) MB, \(conversations) conversations, \(engine.counters.streamDeltas) stream deltas; fastest of \(repetitions) runs each")
        print("bare scan: \(rate(lines, scanSeconds)) (\(EngineBenchmark.format(megabytes / scanSeconds)) MB/s)")
        print("scanner only: \(rate(scanned, scannerSeconds))")
        print("full path (scan + normalize + engine): \(judged) events in \(EngineBenchmark.format(fullSeconds)) s = \(EngineBenchmark.format(fullRate / 1e6)) M events/s, \(EngineBenchmark.format(100 * fullRate / scanRate))% of the bare scan; \(refused) refused lines")
        let byRule = RuleID.allCases.filter { engine.counters.violations(of: $0) > 0 }.map { "\($0.rawValue) \(engine.counters.violations(of: $0))" }
        print("  violations found: \(engine.counters.violations) (\(byRule.joined(separator: ", ")))")
    }

    /// The shortest of `repetitions` timings of `body`.
    static func fastest(_ body: () -> Void) -> Double {
        (0..<repetitions).map { _ in ContinuousClock().measure(body).inSeconds }.min()!
    }
}
