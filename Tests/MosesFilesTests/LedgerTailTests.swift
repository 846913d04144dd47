import Foundation
import Governance
import Logging
import Testing
import TestSupport
import WireFormats
@testable import MosesFiles

/// Appends audit_stub-style lines to a ledger file, chained.
struct LedgerWriter {
    let path: String
    var tip = String(repeating: "0", count: 64)
    var second: Int64 = 1_767_225_600

    init(path: String) { self.path = path }

    @discardableResult
    mutating func append(_ agent: String, raw: String? = nil) throws -> String {
        second += 1
        let record = MosesLedgerRecord.make(
            timestampMicroseconds: second * 1_000_000, agent: agent, action: "respond",
            state: .default, previousHash: tip)
        tip = record.hash!
        try appendText((raw ?? record.fileLine) + "\n")
        return record.hash!
    }

    func appendText(_ text: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}

@Suite struct LedgerTailTests {
    func entries(_ items: [LedgerTail.Item]) -> [LedgerEntry] {
        items.compactMap { if case .entry(let entry, _) = $0 { entry } else { nil } }
    }

    @Test func followsAppendsFromTheEnd() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        let before = try writer.append("primary")
        let tail = LedgerTail(path: writer.path)
        #expect(tail.tipHash == before, "the existing tip seeds the chain")
        #expect(tail.readAppended().isEmpty, "existing lines are not judged again")
        try writer.append("secondary")
        try writer.append("observer")
        let found = entries(tail.readAppended())
        #expect(found.map(\.agent) == ["secondary", "observer"])
        #expect(found.map(\.line) == [2, 3])
        #expect(found.allSatisfy { $0.hash == $0.computedHash })
        #expect(found.first?.previousHash == before)
        #expect(found.first?.timestamp == 1_767_225_602_000)
    }

    @Test func resumesAfterTheLastJudgedLineAfterARestart() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        try writer.append("primary")
        let judged = try writer.append("secondary")
        // Appended while the daemon was down.
        try writer.append("observer")
        try writer.append("primary")
        let tail = LedgerTail(path: writer.path, resume: .after(hash: judged))
        #expect(tail.resumedFromLine == 3)
        #expect(tail.tipHash == judged, "the chain goes on from the last judged line")
        let found = entries(tail.readAppended())
        #expect(found.map(\.agent) == ["observer", "primary"])
        #expect(found.map(\.line) == [3, 4])
        #expect(found.first?.previousHash == judged)
        try writer.append("secondary")
        #expect(entries(tail.readAppended()).map(\.line) == [5], "then it follows appends as usual")
    }

    @Test func resumesAtALineToReadItAgain() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        let first = try writer.append("primary")
        let again = try writer.append("secondary")
        try writer.append("observer")
        let tail = LedgerTail(path: writer.path, resume: .at(hash: again))
        #expect(tail.resumedFromLine == 2)
        #expect(tail.tipHash == first, "the chain is checked from the line before")
        let found = entries(tail.readAppended())
        #expect(found.map(\.agent) == ["secondary", "observer"])
        #expect(found.map(\.line) == [2, 3])
        // The first line of the file: read again from the start, chained to genesis.
        let fromTop = LedgerTail(path: writer.path, resume: .at(hash: first))
        #expect(fromTop.tipHash == String(repeating: "0", count: 64))
        #expect(entries(fromTop.readAppended()).map(\.line) == [1, 2, 3])
    }

    @Test func resumeMatchesTheLinesOwnHashNotTheNextLinesPreviousHash() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        let judged = try writer.append("primary")
        try writer.append("secondary")  // carries `judged` as its previous_hash
        let tail = LedgerTail(path: writer.path, resume: .after(hash: judged))
        #expect(entries(tail.readAppended()).map(\.agent) == ["secondary"])
    }

    @Test func anUnknownResumeHashSkipsToTheEnd() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        try writer.append("primary")
        let last = try writer.append("secondary")
        let tail = LedgerTail(path: writer.path, resume: .after(hash: String(repeating: "ab", count: 32)))
        #expect(tail.resumedFromLine == nil)
        #expect(tail.tipHash == last)
        #expect(tail.readAppended().isEmpty, "a rotated or rewritten ledger is not judged again")
    }

    @Test func waitsForTheNewlineOfAPartialLine() throws {
        let directory = TemporaryDirectory()
        let writer = LedgerWriter(path: directory.file("l.jsonl"))
        let tail = LedgerTail(path: writer.path, fromStart: true)
        let record = MosesLedgerRecord.make(timestampMicroseconds: 1, agent: "primary", action: "a", state: .default, previousHash: writer.tip)
        let line = record.fileLine
        let cut = line.index(line.startIndex, offsetBy: 40)
        try writer.appendText(String(line[..<cut]))
        #expect(tail.readAppended().isEmpty)
        try writer.appendText(String(line[cut...]) + "\n")
        #expect(entries(tail.readAppended()).map(\.hash) == [record.hash!])
    }

    @Test func startsOverAfterTruncation() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("l.jsonl"))
        try writer.append("primary")
        let tail = LedgerTail(path: writer.path)
        try Data().write(to: URL(fileURLWithPath: writer.path))
        writer.tip = String(repeating: "0", count: 64)
        try writer.append("secondary")
        let found = entries(tail.readAppended())
        #expect(found.map(\.agent) == ["secondary"])
        #expect(found.first?.line == 1)
        #expect(tail.counters.truncations == 1)
    }

    @Test func finishesTheOldFileAndFollowsTheNewOneAfterRotation() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("l.jsonl"))
        try writer.append("primary")
        let tail = LedgerTail(path: writer.path)
        try writer.append("secondary")
        try FileManager.default.moveItem(atPath: writer.path, toPath: directory.file("l.jsonl.1"))
        writer.tip = String(repeating: "0", count: 64)
        try writer.append("observer")
        let found = entries(tail.readAppended())
        #expect(found.map(\.agent) == ["secondary", "observer"])
        #expect(tail.counters.rotations == 1)
    }

    @Test func waitsForAMissingFile() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("later.jsonl"))
        let tail = LedgerTail(path: writer.path)
        #expect(tail.readAppended().isEmpty)
        try writer.append("primary")
        #expect(entries(tail.readAppended()).map(\.agent) == ["primary"])
    }

    @Test func refusesACorruptLineAndGoesOn() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("l.jsonl"))
        let tail = LedgerTail(path: writer.path)
        try writer.appendText("{\"timestamp\": \"2026-01-01T00:00:00+00:00\", \"agent\": \n")
        try writer.append("primary")
        let items = tail.readAppended()
        #expect(items.count == 2)
        if case .refused(let line, let reason) = items.first {
            #expect(line == 1)
            #expect(!reason.isEmpty)
        } else {
            Issue.record("expected a refused first line, got \(items)")
        }
        #expect(entries(items).map(\.line) == [2])
        #expect(tail.counters.malformed == 1)
    }
}

@Suite struct StateFileTests {
    @Test func missingFileMeansTheFamilyDefaults() throws {
        #expect(try StateFile.read("/nonexistent/state.json") == .default)
    }

    @Test func readsModePostureAndRoleInAnySpelling() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("state.json")
        try #"{"mode": "High Security", "posture": "SCOUT", "role": "Broadcast", "vault": [], "session_hash": null}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try StateFile.read(path) == GovernanceState(mode: .highSecurity, posture: .scout, role: .broadcast))
    }

    @Test func unknownValuesAreAClearError() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("state.json")
        try #"{"mode": "chaos"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StateFile.ReadError.self) { try StateFile.read(path) }
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StateFile.ReadError.self) { try StateFile.read(path) }
    }
}

@Suite struct MosesFilesWatcherTests {
    /// Collects changes from the watcher's thread.
    final class Changes: @unchecked Sendable {
        // Guarded by `lock`: written on the watcher thread, read by the test.
        private let lock = NSLock()
        private var items: [MosesFilesWatcher.Change] = []
        func append(_ change: MosesFilesWatcher.Change) { lock.withLock { items.append(change) } }
        var all: [MosesFilesWatcher.Change] { lock.withLock { items } }

        /// Waits until `predicate` holds, up to `seconds`.
        func wait(seconds: Double = 10, until predicate: ([MosesFilesWatcher.Change]) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if predicate(all) { return true }
                usleep(10_000)
            }
            return predicate(all)
        }
    }

    @Test func reportsLedgerAppendsAndStateChanges() throws {
        let directory = TemporaryDirectory()
        var writer = LedgerWriter(path: directory.file("audit_ledger.jsonl"))
        let firstHash = try writer.append("primary")
        let statePath = directory.file("state.json")
        try #"{"mode": "creative", "posture": "offense", "role": "primary"}"#.write(toFile: statePath, atomically: true, encoding: .utf8)
        let changes = Changes()
        let watcher = MosesFilesWatcher(ledgerPath: writer.path, statePath: statePath, pollIntervalMs: 5_000, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) { changes.append($0) }
        #expect(try watcher.initialState().get() == GovernanceState(mode: .creative, posture: .offense, role: .primary))
        watcher.start()
        defer { watcher.stop() }
        try writer.append("secondary")
        // Atomic replacement, as editors and init_state.py-like tools do.
        try #"{"mode": "research", "posture": "scout", "role": "primary"}"#.write(toFile: statePath, atomically: true, encoding: .utf8)
        // Both arrive well before the 5 s poll: inotify woke the thread.
        let arrived = changes.wait(seconds: 3) { items in
            let ledger = items.contains { if case .ledger(.entry(let e, _)) = $0 { e.agent == "secondary" } else { false } }
            let state = items.contains { if case .state(let s) = $0 { s.mode == .research } else { false } }
            return ledger && state
        }
        #expect(arrived, "got \(changes.all)")
        #expect(!changes.all.contains { if case .ledger(.entry(let e, _)) = $0 { e.agent == "primary" } else { false } },
                "the line that was there before start is not reported")
        if case .ledgerTip(let tip)? = changes.all.first {
            #expect(tip == firstHash, "the existing tip is reported first, for the chain check")
        } else {
            Issue.record("expected the ledger tip first, got \(changes.all.first.map { "\($0)" } ?? "nothing")")
        }
    }
}
