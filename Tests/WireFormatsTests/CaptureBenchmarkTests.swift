#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Governance
import Testing
import WireFormats

@Suite struct CaptureBenchmarkTests {
    @Test func generationIsDeterministic() {
        let first = CaptureBenchmark.generateRealisticCapture(events: 3000, conversations: 10, seed: 7)
        #expect(first == CaptureBenchmark.generateRealisticCapture(events: 3000, conversations: 10, seed: 7))
        #expect(first != CaptureBenchmark.generateRealisticCapture(events: 3000, conversations: 10, seed: 8))
    }

    @Test func generatedCaptureIsRealisticAndClean() throws {
        let events = 120_000
        let capture = CaptureBenchmark.generateRealisticCapture(events: events, conversations: 300, seed: 1)
        #expect(CaptureBenchmark.bareScan(capture) == events)
        var reader = CaptureReader(bytes: capture)
        var verifier = LedgerChainVerifier()
        var kinds: [String: Int] = [:]
        var refused = 0
        var previousTime = Int64.min
        var isOrdered = true
        try reader.forEach({ event in
            let name = switch event.kind {
            case .streamDelta: "delta"
            case .runStarted: "start"
            case .runEnded: "end"
            case .response(let response): response.source.rawValue
            case .toolCall(let call): call.command.contains("audit_stub.py log") ? "audit" : "tool"
            case .ledgerEntry(let entry):
                { () -> String in
                    #expect(entry.hash == entry.computedHash)
                    return "ledger"
                }()
            case .stateChanged: "state"
            case .tick: "tick"
            default: "other"
            }
            kinds[name, default: 0] += 1
            if event.at < previousTime { isOrdered = false }
            previousTime = event.at
        }, refused: { _ in refused += 1 })
        #expect(refused == 0)
        #expect(isOrdered)
        #expect(reader.counters.lines == UInt64(events))
        let deltaShare = Double(kinds["delta", default: 0]) / Double(events)
        #expect(deltaShare > 0.82 && deltaShare < 0.90, "delta share \(deltaShare)")
        for kind in ["start", "end", "chat.final", "session.message", "audit", "ledger", "state", "tick"] {
            #expect(kinds[kind, default: 0] > 0, "no \(kind) events")
        }
        // The ledger records form one valid chain.
        for line in capture.split(separator: 0x0A) where line.starts(with: Array(#"{"source":"ledger""#.utf8)) {
            let dataStart = line.firstIndex(of: UInt8(ascii: "{"))!
            let data = line[line.index(dataStart, offsetBy: 1)...]
            let inner = data[(data.firstIndex(of: UInt8(ascii: "{")))!..<data.index(before: data.endIndex)]
            verifier.feed(inner)
        }
        #expect(verifier.isIntact)
        #expect(verifier.entryCount == kinds["ledger", default: 0])
    }

    @Test func bareScanCountsOnlyBalancedLines() {
        #expect(CaptureBenchmark.bareScan(Array("{\"a\":\"}\\\"{\"}\n\n[1,{}]\n{\"open\":[\n".utf8)) == 2)
    }

    /// The release-build figures for the README: `MOSES_BENCH_EVENTS=5000000 swift test -c release
    /// --filter CaptureBenchmarkTests/throughput`. Skipped unless the variable is set.
    @Test(.enabled(if: getenv("MOSES_BENCH_EVENTS") != nil))
    func throughput() throws {
        let events = Int(String(cString: getenv("MOSES_BENCH_EVENTS"))) ?? 1_000_000
        let capture = CaptureBenchmark.generateRealisticCapture(events: events, conversations: 1000, seed: 42)
        // Thread CPU time, not wall time: the build machine is shared, and a descheduled
        // thread would otherwise count against whichever loop it happened to be in.
        func measure(_ body: () throws -> Void) rethrows -> Double {
            var before = timespec()
            var after = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &before)
            try body()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &after)
            return Double(after.tv_sec - before.tv_sec) + Double(after.tv_nsec - before.tv_nsec) * 1e-9
        }
        var lines = 0
        var count = 0
        var deltas = 0
        var bare = Double.infinity
        var full = Double.infinity
        var withEngine = Double.infinity
        var scanOnly = Double.infinity
        var scanned = 0
        for _ in 0..<3 {
            scanOnly = min(scanOnly, measure {
                scanned = 0
                capture.withUnsafeBytes { all in
                    var start = 0
                    while start < all.count {
                        let end = memchr(all.baseAddress! + start, 0x0A, all.count - start)
                            .map { UnsafeRawPointer($0) - all.baseAddress! } ?? all.count
                        if (try? FrameScanner.scan(UnsafeRawBufferPointer(rebasing: all[start..<end]))) != nil { scanned &+= 1 }
                        start = end + 1
                    }
                }
            })
            bare = min(bare, measure { lines = CaptureBenchmark.bareScan(capture) })
            full = min(full, try measure {
                count = 0
                deltas = 0
                var reader = CaptureReader(bytes: capture)
                try reader.forEach { event in
                    count &+= 1
                    if case .streamDelta = event.kind { deltas &+= 1 }
                }
            })
            var engine = GovernanceEngine()
            var violations: [Violation] = []
            withEngine = min(withEngine, try measure {
                var reader = CaptureReader(bytes: capture)
                try reader.forEach { engine.process($0, into: &violations) }
            })
        }
        print("bench: \(events) events, \(capture.count) bytes, \(deltas) deltas; best of 3, thread CPU time")
        print("bench: bare scan        \(Int(Double(events) / bare)) events/s (\(bare) s)")
        print("bench: scan only        \(Int(Double(events) / scanOnly)) events/s (\(scanOnly) s, \(scanned) frames)")
        print("bench: scan+normalize   \(Int(Double(events) / full)) events/s (\(full) s)")
        print("bench: +engine (stub)   \(Int(Double(events) / withEngine)) events/s (\(withEngine) s)")
        print("bench: full / bare      \(bare / full)")
        #expect(lines == events && count == events)
    }
}
