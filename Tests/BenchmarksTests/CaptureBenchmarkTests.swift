import Benchmarks
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

    @Test func scannerOnlyCountsTheLinesTheScannerAccepts() {
        let text = "{\"a\":1}\n\n{\"b\":[1,2]}\n{\"broken\":\n[1]\n{\"last\":true}"
        #expect(Array(text.utf8).withUnsafeBytes { CaptureBenchmark.scannerOnly($0) } == 3)
    }
}
