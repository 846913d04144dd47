import Foundation
import Testing

/// `bench --peer` plays the seed's legacy stream to the built daemon (`run --protocol
/// legacy`) over a real socket: every response stored, no violations, on a stream that
/// breaks no rule; with the seed's skill page and Python's websockets, to the seed as well.
@Suite struct PeerBenchTests {
    static let seedPage = "/work/shared/seed/moses-coordinator-skill-page.txt"

    @Test func oursStoresEveryLegacyResponseAndFlagsNone() throws {
        let result = try CoordinatorBinary.run([
            "bench", "--peer", "--peer-events", "600", "--peer-sessions", "20", "--peer-rounds", "1",
            "--seed-page", "/nonexistent/moses-peer/skill-page.txt",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ours stored 600 responses and 0 violations"), "\(result.stdout)")
        #expect(result.stdout.contains("round 1 ours (run --protocol legacy, every response stored):"), "\(result.stdout)")
        #expect(result.stdout.contains("skill page not found"), "\(result.stdout)")
        #expect(result.stdout.contains("peer bench, median of 1: ours"), "\(result.stdout)")
    }

    static var seedCanRun: Bool {
        guard FileManager.default.fileExists(atPath: seedPage) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import websockets"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    @Test(.enabled(if: seedCanRun, "needs the seed's skill page and python3 with websockets"))
    func theSeedIsExtractedFromItsPageAndReadsTheWholeStream() throws {
        let result = try CoordinatorBinary.run([
            "bench", "--peer", "--peer-events", "600", "--peer-sessions", "20", "--peer-rounds", "1", "--seed-page", Self.seedPage,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("seed: coordinator.py extracted from \(Self.seedPage)"), "\(result.stdout)")
        #expect(result.stdout.contains("round 1 seed (coordinator.py, stores nothing):"), "\(result.stdout)")
        #expect(result.stdout.contains("ours/seed CPU"), "\(result.stdout)")
    }
}
