import Governance
import Testing
import TestSupport

import WireFormats

@Suite struct CaptureReaderTests {
    static let chatFinal = #"{"type":"event","event":"chat","payload":{"runId":"r1","sessionKey":"agent:primary:discord:group:1","state":"final","message":{"role":"assistant","content":"Plan.","timestamp":1000}}}"#
    static let primary = SessionRef(sessionKey: "agent:primary:discord:group:1", agentID: "primary", conversation: "discord:group:1")

    static func readAll(_ reader: inout CaptureReader) throws -> [CaptureReader.Item] {
        var items: [CaptureReader.Item] = []
        while let item = try reader.next() { items.append(item) }
        return items
    }

    static func events(_ items: [CaptureReader.Item]) -> [GovernanceEvent] {
        items.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    static func refusals(_ items: [CaptureReader.Item]) -> [FrameError] {
        items.compactMap { if case .refused(let error) = $0 { error } else { nil } }
    }

    /// A capture with every record kind, CRLF endings, a blank line and no final newline.
    static var mixedCapture: [UInt8] {
        var bytes: [UInt8] = []
        CaptureWriter.appendRecord(source: .gateway, at: 5000, data: Array(chatFinal.utf8), to: &bytes)
        CaptureWriter.appendRecord(source: .ledger, at: 5001, data: Array(MosesLedgerRecordTests.vectorLine.utf8), to: &bytes)
        bytes += Array("\r\n".utf8)
        CaptureWriter.appendRecord(source: .state, at: 5002, data: Array(#"{"mode":"High Security","posture":"SCOUT"}"#.utf8), to: &bytes)
        bytes += Array(#"{"type":"event","event":"tick","payload":{}}"#.utf8) + [0x0D, 0x0A]
        bytes += Array(#"{"source":"gateway","at":"soon","data":{}}"#.utf8) + [0x0A]
        bytes += Array(#"{"type":"event","event":"tick","payload":{"ts":7000}}"#.utf8)
        return bytes
    }

    static let expectedMixed: [GovernanceEvent] = [
        // The wrapper's `at` wins over message.timestamp.
        GovernanceEvent(at: 5000, kind: .response(Response(session: primary, runID: "r1", text: "Plan.", source: .chatFinal))),
        GovernanceEvent(at: 5001, kind: .ledgerEntry(LedgerEntry(
            agent: "primary", action: "test", timestamp: 1_795_536_040_444, hash: MosesLedgerRecordTests.vectorHash,
            previousHash: MosesLedgerRecord.zeroHash, computedHash: MosesLedgerRecordTests.vectorHash))),
        // Role missing: kept from the initial state.
        GovernanceEvent(at: 5002, kind: .stateChanged(GovernanceState(mode: .highSecurity, posture: .scout, role: .primary))),
        // A raw tick with no time gets the last time seen.
        GovernanceEvent(at: 5002, kind: .tick),
        GovernanceEvent(at: 7000, kind: .tick),
    ]

    @Test func readsEveryRecordKindFromMemory() throws {
        var reader = CaptureReader(bytes: Self.mixedCapture)
        let items = try Self.readAll(&reader)
        #expect(Self.events(items) == Self.expectedMixed)
        #expect(Self.refusals(items) == [FrameError(.wrongType, at: 25, line: 6, field: "at")])
        #expect(reader.counters.lines == 7)
        #expect(reader.counters.blankLines == 1)
        #expect(reader.counters.malformed == 1)
        #expect(reader.counters.gatewayRecords == 1)  // line 6 was refused before it counted
        #expect(reader.counters.rawFrames == 2)
        #expect(reader.state == GovernanceState(mode: .highSecurity, posture: .scout, role: .primary))
    }

    @Test(arguments: [1, 7, 64, 1 << 20])
    func readsTheSameFromAFileInAnyChunkSize(_ chunkSize: Int) throws {
        let directory = TemporaryDirectory()
        let path = directory.write("capture.jsonl", Self.mixedCapture)
        var reader = try CaptureReader(path: path, chunkSize: chunkSize)
        let items = try Self.readAll(&reader)
        #expect(Self.events(items) == Self.expectedMixed)
        #expect(Self.refusals(items).map(\.line) == [6])

        // The forEach fast path gives the same.
        var fastReader = try CaptureReader(path: path, chunkSize: chunkSize)
        var events: [GovernanceEvent] = []
        var refusedLines: [Int?] = []
        try fastReader.forEach({ events.append($0) }, refused: { refusedLines.append($0.line) })
        #expect(events == Self.expectedMixed)
        #expect(refusedLines == [6])
        #expect(fastReader.counters == reader.counters)
    }

    @Test func malformedLinesAreRefusedWithTheirNumbersAndSkipped() throws {
        let lines = [
            Self.chatFinal,
            #"{"type":"event","event":"chat","payload":{"runId":"r1""#,  // truncated
            #"not json"#,
            #"{"source":"carrier-pigeon","at":1,"data":{}}"#,
            #"{"source":"ledger","at":1,"data":{"agent":"a","hash":"x"},"extra":[1,]}"#,
            #"{"source":"state","at":1,"data":{"mode":"warp-speed"}}"#,
            #"{"source":"gateway","at":2}"#,
            #"{"type":"event","event":"agent","payload":{"stream":"lifecycle","data":{"phase":"start"},"sessionKey":"agent:a:b"}}"#,
            Self.chatFinal,
        ]
        var reader = CaptureReader(bytes: Array(lines.joined(separator: "\n").utf8))
        let items = try Self.readAll(&reader)
        let refusals = Self.refusals(items)
        #expect(refusals.map(\.line) == [2, 3, 4, 5, 6, 7, 8])
        #expect(refusals.map(\.code) == [.truncated, .unexpectedByte, .badValue, .unexpectedByte, .badValue, .missingField, .missingField])
        #expect(Self.events(items).count == 2)
        #expect(reader.counters.malformed == 7)
    }

    @Test func oversizedLinesAreRefusedWithoutBuffering() throws {
        let long = #"{"type":"event","event":"tick","payload":{"pad":""# + String(repeating: "x", count: 500) + #""}}"#
        let capture = Array(([Self.chatFinal, long, Self.chatFinal, long].joined(separator: "\n")).utf8)
        let directory = TemporaryDirectory()
        let path = directory.write("capture.jsonl", capture)
        for chunkSize in [16, 100, 4096] {
            var reader = try CaptureReader(path: path, maximumLineBytes: 256, chunkSize: chunkSize)
            let items = try Self.readAll(&reader)
            #expect(Self.refusals(items) == [FrameError(.oversized, at: 256, line: 2), FrameError(.oversized, at: 256, line: 4)])
            #expect(Self.events(items).count == 2)
            #expect(reader.counters.oversized == 2)
            var fastReader = try CaptureReader(path: path, maximumLineBytes: 256, chunkSize: chunkSize)
            var refusedLines: [Int?] = []
            var count = 0
            try fastReader.forEach({ _ in count += 1 }, refused: { refusedLines.append($0.line) })
            #expect(refusedLines == [2, 4] && count == 2)
        }
        var memoryReader = CaptureReader(bytes: capture, maximumLineBytes: 256)
        #expect(Self.refusals(try Self.readAll(&memoryReader)).map(\.line) == [2, 4])
    }

    @Test func missingFileIsAnOpenError() {
        let directory = TemporaryDirectory()
        #expect(throws: CaptureReader.OpenError.self) { _ = try CaptureReader(path: directory.path + "/absent.jsonl") }
    }

    @Test func writerFlattensPrettyPrintedFrames() throws {
        let pretty = "{\n  \"type\": \"event\",\r\n  \"event\": \"tick\",\n  \"payload\": {\"ts\": 9}\n}"
        let line = CaptureWriter.record(source: .gateway, at: 10, data: Array(pretty.utf8))
        #expect(line.filter { $0 == 0x0A } .count == 1 && line.last == 0x0A)
        var reader = CaptureReader(bytes: line)
        #expect(Self.events(try Self.readAll(&reader)) == [GovernanceEvent(at: 10, kind: .tick)])
        #expect(String(decoding: CaptureWriter.stateData(.default), as: UTF8.self) == #"{"mode":"high-integrity","posture":"defense","role":"primary"}"#)
    }
}
