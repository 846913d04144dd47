import ArgumentParser
import Benchmarks

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

        @Option(help: ArgumentHelp("The store stage's page cache per connection (default: the writer's).", valueName: "KiB"))
        var storeCacheKib: Int?

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

        @Flag(help: "Only the peer bench: the seed's legacy stream played to our daemon (run --protocol legacy) and to the seed's Python coordinator, CPU per event and peak RSS of each.")
        var peer = false

        @Option(help: "Frames of the peer bench's legacy stream.")
        var peerEvents = 300_000

        @Option(help: "Sessions the peer bench's stream takes turns over.")
        var peerSessions = 1_000

        @Option(help: "Rounds of the peer bench (each receiver once a round; medians reported).")
        var peerRounds = 3

        @Option(help: ArgumentHelp("The seed's skill page to extract coordinator.py from (default: ../shared/seed/moses-coordinator-skill-page.txt).", valueName: "file"))
        var seedPage: String?

        @Option(help: ArgumentHelp("The Python that runs the seed; it needs the websockets package.", valueName: "path"))
        var python = "python3"

        /// Runs one stage alone: how the ledger stages get a process of their own.
        @Option(help: .hidden)
        var stage: String?

        func validate() throws {
            if let storeCacheKib, storeCacheKib < 1 { throw ValidationError("--store-cache-kib must be at least 1") }
        }

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
            if peer {
                var options = PeerBenchmark.Options()
                options.events = peerEvents
                options.sessions = peerSessions
                options.rounds = peerRounds
                options.seedPage = seedPage
                options.python = python
                print("moses-coordinator bench --peer (\(isDebugBuild ? "DEBUG build: figures are not representative" : "release build"))")
                PeerBenchmark.run(options)
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
                print(try StoreBenchmark.run(rows: storeRows, queryRows: queryRows, directory: storeDirectory, batchSize: storeBatch, cacheSizeKiB: storeCacheKib))
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
