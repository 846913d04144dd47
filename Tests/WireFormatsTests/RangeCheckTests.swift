import Governance
import Testing

import WireFormats

/// Numbers from outside that once reached arithmetic unchecked: each is refused where it is
/// parsed, with `FrameError.Code.outOfRange`, and counted.
@Suite struct RangeCheckTests {
    static func chatFinal(timestamp: String) -> String {
        #"{"type":"event","event":"chat","payload":{"runId":"r1","sessionKey":"agent:primary:discord:group:1","state":"final","message":{"role":"assistant","content":"Plan.","timestamp":"# + timestamp + "}}}"
    }

    /// `message.timestamp` >= 9,223,372,036,854,776 ms: it went through to the store, whose
    /// `milliseconds * 1000` trapped while writing the batch.
    @Test(arguments: ["9223372036854776", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                      "253402300800000", "-62167219200001", "1e300"])
    func anEventTimeOutsideYearsZeroToNineThousandNineHundredNinetyNineIsRefused(_ timestamp: String) {
        var normalizer = FrameNormalizer()
        #expect(throws: FrameError(.outOfRange, at: 176, field: "payload.message.timestamp")) {
            try normalizer.normalize(Array(Self.chatFinal(timestamp: timestamp).utf8), receivedAt: 0)
        }
        #expect(normalizer.counters.rejectedValues == 1)
        #expect(normalizer.counters.malformed == 1)
        #expect(normalizer.counters.responses == 0)
    }

    @Test(arguments: ["253402300799999", "-62167219200000", "1767225605000"])
    func anEventTimeInsideTheRangeIsKept(_ timestamp: String) throws {
        var normalizer = FrameNormalizer()
        let event = try normalizer.normalize(Array(Self.chatFinal(timestamp: timestamp).utf8), receivedAt: 0)
        #expect(event.at == Int64(timestamp))
        #expect(normalizer.counters.rejectedValues == 0)
    }

    @Test(arguments: [
        (#"{"type":"event","event":"agent","payload":{"runId":"r","stream":"lifecycle","ts":9223372036854775807,"sessionKey":"agent:primary:g","data":{"phase":"start"}}}"#, "payload.ts"),
        (#"{"type":"event","event":"tick","payload":{"ts":-9223372036854775807}}"#, "payload.ts"),
        (#"{"type":"event","event":"session.message","ts":99999999999999999,"payload":{"sessionKey":"agent:primary:g","message":{"role":"assistant","content":"x"}}}"#, "ts"),
        (#"{"type":"session_update","session_id":"s","agent":"primary","ts":9223372036854775807}"#, "ts"),
    ])
    func everyTimeFieldIsRangeChecked(_ frame: String, _ field: String) {
        var normalizer = FrameNormalizer()
        do {
            _ = try normalizer.normalize(Array(frame.utf8), receivedAt: 0)
            Issue.record("accepted \(frame)")
        } catch {
            #expect(error.code == .outOfRange)
            #expect(error.field == field)
        }
        #expect(normalizer.counters.rejectedValues == 1)
    }

    @Test func aCaptureRecordAtOutsideTheRangeIsRefusedAndCounted() throws {
        let good = #"{"source":"gateway","at":5000,"data":"# + Self.chatFinal(timestamp: "1") + "}"
        let lines = [
            #"{"source":"gateway","at":9223372036854775807,"data":"# + Self.chatFinal(timestamp: "1") + "}",
            #"{"source":"ledger","at":-9223372036854775808,"data":{"agent":"primary"}}"#,
            Self.chatFinal(timestamp: "9223372036854775807"),
            good,
        ]
        var reader = CaptureReader(bytes: Array(lines.joined(separator: "\n").utf8))
        var refused: [FrameError] = []
        var events: [GovernanceEvent] = []
        try reader.forEach({ events.append($0) }, refused: { refused.append($0) })
        #expect(refused.map(\.code) == [.outOfRange, .outOfRange, .outOfRange])
        #expect(refused.map(\.field) == ["at", "at", "payload.message.timestamp"])
        #expect(refused.map(\.line) == [1, 2, 3])
        #expect(events.map(\.at) == [5000])
        #expect(reader.counters.rejectedValues == 3)
        #expect(reader.counters.malformed == 3)
        #expect(reader.normalizer.counters.rejectedValues == 1)
    }

    /// A ledger line's `timestamp` that is no valid time leaves the entry untimed and says so,
    /// on both the flat fast path and the general parser.
    @Test(arguments: [
        (#"{"timestamp":"99999-01-01T00:00:00Z","agent":"primary","hash":"h"}"#, true),
        (#"{"timestamp":"0000-01-01T00:00:00+05:00","agent":"primary","hash":"h"}"#, true),
        (#"{"timestamp":1767225605000,"agent":"primary","hash":"h"}"#, true),
        (#"{"timestamp":null,"agent":"primary","hash":"h"}"#, false),
        (#"{"agent":"primary","hash":"h"}"#, false),
        (#"{"timestamp":"2026-03-13T14:22:01Z","agent":"primary","hash":"h"}"#, false),
        (#"{"timestamp":"99999-01-01T00:00:00Z","agent":"primary","isnad":{"x":1},"hash":"h"}"#, true),
    ])
    func aLedgerTimestampThatIsNoValidTimeIsFlagged(_ line: String, _ isRejected: Bool) throws {
        let entry = try Array(line.utf8).withUnsafeBytes { try MosesLedgerRecord.ledgerEntry(parsing: $0) }
        #expect(entry.hasRejectedTimestamp == isRejected)
        #expect((entry.timestamp == nil) == (isRejected || !line.contains("T14")))
        let general = try MosesLedgerRecord(line: Array(line.utf8)).ledgerEntry()
        #expect(general == entry)
    }

    /// A hello whose policy numbers would overflow the client's watchdog arithmetic
    /// (`2 * tickIntervalMs`, then µs) is pinned into range and counted.
    @Test func helloPolicyNumbersArePinnedIntoRange() throws {
        let text = #"{"type":"res","id":"c-1","ok":true,"payload":{"type":"hello-ok","protocol":3,"auth":{"role":"operator","scopes":["operator.read"]},"policy":{"maxPayload":-5,"tickIntervalMs":9223372036854775807}}}"#
        let outcome = try Array(text.utf8).withUnsafeBytes { try ConnectOutcome.decode($0) }
        guard case .accepted(let hello) = outcome else { Issue.record("not accepted"); return }
        #expect(hello.policy.tickIntervalMs == HelloOk.Policy.tickIntervalRange.upperBound)
        #expect(hello.policy.maxPayload == 1)
        #expect(hello.policy.rejectedValues == 2)
    }

    @Test func aRetryAfterOutsideItsRangeIsLeftOutAndCounted() throws {
        let text = #"{"type":"res","id":"c-1","ok":false,"error":{"code":"UNAVAILABLE","message":"busy","retryAfterMs":9223372036854775807}}"#
        let outcome = try Array(text.utf8).withUnsafeBytes { try ConnectOutcome.decode($0) }
        guard case .rejected(let error) = outcome else { Issue.record("not rejected"); return }
        #expect(error.retryAfterMs == nil)
        #expect(error.rejectedValues == 1)
        #expect(error.recovery == .retryLater(afterMs: nil))
    }
}
