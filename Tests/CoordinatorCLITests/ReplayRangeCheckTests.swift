import Foundation
import Testing

/// `replay` died (exit 132, an arithmetic trap) on the inputs of issue 9: an event time of
/// `Int64.max`, a `message.timestamp` past 9,223,372,036,854,776 ms. The built binary now
/// refuses them line by line, counts them, judges the rest and exits 0.
@Suite struct ReplayRangeCheckTests {
    static let session = "agent:primary:discord:group:77"

    static var capture: String {
        let start = #"{"type":"event","event":"agent","payload":{"runId":"r-max","seq":1,"stream":"lifecycle","ts":9223372036854775807,"sessionKey":"\#(session)","data":{"phase":"start"}}}"#
        let hugeTimestamp = #"{"type":"event","event":"chat","payload":{"runId":"r-huge","sessionKey":"\#(session)","seq":2,"state":"final","message":{"role":"assistant","content":"huge","timestamp":9223372036854776}}}"#
        let wrappedAtMax = #"{"source":"gateway","at":9223372036854775807,"data":{"type":"event","event":"chat","payload":{"runId":"r-at","sessionKey":"\#(session)","state":"final","message":{"role":"assistant","content":"wrapped","timestamp":1}}}}"#
        let seqPastInt64 = #"{"type":"event","event":"chat","payload":{"runId":"r-seq","sessionKey":"\#(session)","seq":9223372036854775808,"state":"final","message":{"role":"assistant","content":"judged","timestamp":1767225605000}}}"#
        let ledgerFarFuture = #"{"source":"ledger","at":1767225606000,"data":{"timestamp":"99999-01-01T00:00:00Z","agent":"primary","hash":"h","previous_hash":"0000000000000000000000000000000000000000000000000000000000000000"}}"#
        return [start, hugeTimestamp, wrappedAtMax, seqPastInt64, ledgerFarFuture].joined(separator: "\n") + "\n"
    }

    @Test func replayRefusesOutOfRangeTimesAndExitsNormally() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moses-range-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("capture.jsonl").path
        try Self.capture.write(toFile: path, atomically: true, encoding: .utf8)
        let database = directory.appendingPathComponent("audit.db").path

        let result = try CoordinatorBinary.run(["replay", "--db", database, path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("skipped field value out of range (payload.ts) at byte 93 of line 1"))
        #expect(result.stderr.contains("skipped field value out of range (payload.message.timestamp)"))
        #expect(result.stderr.contains("skipped field value out of range (at) at byte 25 of line 3"))
        #expect(result.stderr.contains("3 malformed and 0 oversized lines skipped (3 for a value out of range)"))
        // The response whose seq is out of range (seq matters only to the live client) is judged.
        #expect(result.stdout.contains("r-seq"))

        let stats = try CoordinatorBinary.run([
            "query", "--db", database, "--format", "csv",
            "SELECT name, value FROM stats WHERE name LIKE '%rejected_values_total' ORDER BY name",
        ])
        #expect(stats.status == 0, "stderr: \(stats.stderr)")
        #expect(stats.stdout.contains("moses_capture_rejected_values_total,3"))
        #expect(stats.stdout.contains("moses_ledger_rejected_values_total,1"))
        #expect(stats.stdout.contains("moses_normalize_rejected_values_total,2"))
    }
}
