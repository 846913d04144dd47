import Governance
import Testing

@testable import WireFormats

/// The MO§ES ledger line format and its canonical hash, against strings computed with
/// python3's `json.dumps` and `hashlib` (see the literals' comments).
@Suite struct MosesLedgerRecordTests {
    /// moses-family.md §3: the test vector generated with the shipped `audit_stub.py`.
    static let vectorLine = #"{"timestamp": "2026-11-24T16:00:40.444589+00:00", "agent": "primary", "component": "moses-governance", "action": "test", "detail": "h\u00e9llo", "outcome": "logged", "mode": "high-integrity", "posture": "defense", "role": "primary", "session_hash": null, "previous_hash": "0000000000000000000000000000000000000000000000000000000000000000", "hash": "c2f7acdee945fb293778fdfd8e8e3334567f3911ea2856aa3035ee7a8f0c206e"}"#
    static let vectorCanonical = #"{"action":"test","agent":"primary","component":"moses-governance","detail":"héllo","mode":"high-integrity","outcome":"logged","posture":"defense","previous_hash":"0000000000000000000000000000000000000000000000000000000000000000","role":"primary","session_hash":null,"timestamp":"2026-11-24T16:00:40.444589+00:00"}"#
    static let vectorHash = "c2f7acdee945fb293778fdfd8e8e3334567f3911ea2856aa3035ee7a8f0c206e"

    /// A lineage genesis line, written by python3 `json.dumps` with the hash computed canonically.
    static let genesisLine = #"{"event": "genesis", "lineage_anchor": "5cda97fa2ad53e199618f5a610240888ae09d5a1e5e17b0d48c676d37dcda636", "patent_serial": "63/877,177", "doi": "https://zenodo.org/records/18792459", "author": "Deric J. McHenry", "system": "MO\u00a7ES\u2122", "previous_hash": "5cda97fa2ad53e199618f5a610240888ae09d5a1e5e17b0d48c676d37dcda636", "anchored_at": "2026-03-12T20:11:18.905326+00:00", "hash": "5c28b46286b44234b55dbe40e0b28b8950a1611380512a4546f3673d8afb3ba6"}"#

    /// An entry with every escaping hazard: tab, quotes, backslash, slash, U+0001, U+007F,
    /// Latin-1, an astral emoji, a nested `isnad`, a non-ASCII key that sorts last, numbers.
    static let hazardLine = #"{"timestamp": "2026-03-13T14:22:01.123456+00:00", "agent": "secondary", "component": "moses-governance", "action": "respond", "detail": "tab\there \"quoted\" back\\slash / ctl\u0001 del\u007f \u00e9 \ud83d\ude00 \u00fcn\u00ef", "outcome": "logged", "mode": "high-integrity", "posture": "defense", "role": "primary", "session_hash": null, "previous_hash": "5c28b46286b44234b55dbe40e0b28b8950a1611380512a4546f3673d8afb3ba6", "isnad": {"input_hash": "ab", "source_id": "s", "transmitter": "t", "prev_isnad_hash": null, "isnad_hash": "cd"}, "Zed": 1, "\u00e4": [1.5, 0, true, false], "hash": "98849abe81eeef8c80cdc943760fb9ae074ec2765c6f54aaed28e21803ee7949"}"#
    static let hazardCanonical = #"{"Zed":1,"action":"respond","agent":"secondary","component":"moses-governance","detail":"tab\there \"quoted\" back\\slash / ctl\u0001 del\#u{7F} é 😀 ünï","isnad":{"input_hash":"ab","isnad_hash":"cd","prev_isnad_hash":null,"source_id":"s","transmitter":"t"},"mode":"high-integrity","outcome":"logged","posture":"defense","previous_hash":"5c28b46286b44234b55dbe40e0b28b8950a1611380512a4546f3673d8afb3ba6","role":"primary","session_hash":null,"timestamp":"2026-03-13T14:22:01.123456+00:00","ä":[1.5,0,true,false]}"#

    @Test func testVectorCanonicalFormAndHash() throws {
        let record = try MosesLedgerRecord(line: Array(Self.vectorLine.utf8))
        #expect(String(decoding: record.canonicalBytes, as: UTF8.self) == Self.vectorCanonical)
        #expect(record.computedHash == Self.vectorHash)
        #expect(record.hash == Self.vectorHash)
        #expect(record.isHashValid)
        #expect(record.detail == "héllo")
    }

    @Test func testVectorFileLineRoundTrips() throws {
        let record = try MosesLedgerRecord(line: Array(Self.vectorLine.utf8))
        #expect(record.fileLine == Self.vectorLine)
    }

    @Test func makeReproducesTheTestVector() {
        // 2026-11-24T16:00:40.444589+00:00 in microseconds.
        let micros = LedgerTimestamp.milliseconds(from: "2026-11-24T16:00:40.444+00:00")! * 1000 + 589
        let record = MosesLedgerRecord.make(
            timestampMicroseconds: micros, agent: "primary", action: "test", detail: "héllo",
            state: .default, previousHash: MosesLedgerRecord.zeroHash
        )
        #expect(record.hash == Self.vectorHash)
        #expect(record.fileLine == Self.vectorLine)
    }

    @Test func genesisLineHashesCanonically() throws {
        let record = try MosesLedgerRecord(line: Array(Self.genesisLine.utf8))
        #expect(record.isGenesis)
        #expect(record.isHashValid)
        #expect(record.timestamp == nil)
        #expect(record.previousHash == MosesLedgerRecord.lineageAnchor)
        #expect(record.fileLine == Self.genesisLine)
        let entry = record.ledgerEntry(line: 1)
        #expect(entry == LedgerEntry(
            agent: "", action: "genesis", timestamp: nil,
            hash: "5c28b46286b44234b55dbe40e0b28b8950a1611380512a4546f3673d8afb3ba6",
            previousHash: MosesLedgerRecord.lineageAnchor,
            computedHash: "5c28b46286b44234b55dbe40e0b28b8950a1611380512a4546f3673d8afb3ba6", line: 1))
    }

    @Test func escapingHazardsMatchPython() throws {
        let record = try MosesLedgerRecord(line: Array(Self.hazardLine.utf8))
        #expect(String(decoding: record.canonicalBytes, as: UTF8.self) == Self.hazardCanonical)
        #expect(record.isHashValid)
        #expect(record.fileLine == Self.hazardLine)
        #expect(record.isnad?["isnad_hash"]?.stringValue == "cd")
    }

    @Test func tamperedDetailFailsTheHash() throws {
        let tampered = #"{"timestamp": "2026-11-24T16:00:40.444589+00:00", "agent": "primary", "component": "moses-governance", "action": "test", "detail": "hello", "outcome": "logged", "mode": "high-integrity", "posture": "defense", "role": "primary", "session_hash": null, "previous_hash": "0000000000000000000000000000000000000000000000000000000000000000", "hash": "c2f7acdee945fb293778fdfd8e8e3334567f3911ea2856aa3035ee7a8f0c206e"}"#
        let record = try MosesLedgerRecord(line: Array(tampered.utf8))
        #expect(!record.isHashValid)
        #expect(record.computedHash != Self.vectorHash)
    }

    @Test func ledgerEntryCarriesTheEngineFields() throws {
        let record = try MosesLedgerRecord(line: Array(Self.vectorLine.utf8))
        let entry = record.ledgerEntry(line: 7)
        #expect(entry.agent == "primary")
        #expect(entry.action == "test")
        #expect(entry.timestamp == 1_795_536_040_444)
        #expect(entry.hash == Self.vectorHash)
        #expect(entry.computedHash == Self.vectorHash)
        #expect(entry.previousHash == MosesLedgerRecord.zeroHash)
        #expect(entry.line == 7)
    }

    @Test func prevHashSpellingIsAccepted() throws {
        let record = try MosesLedgerRecord(line: Array(#"{"agent":"a","prev_hash":"abc","hash":"x"}"#.utf8))
        #expect(record.previousHash == "abc")
    }

    @Test func nonObjectLineIsRejected() {
        #expect(throws: FrameError(.notAnObject, at: 0)) { try MosesLedgerRecord(line: Array("[1,2]".utf8)) }
        #expect(throws: FrameError.self) { try MosesLedgerRecord(line: Array(#"{"agent":"#.utf8)) }
    }
}

@Suite struct MosesLedgerEntryHashTests {
    /// The direct canonical writer and the generic JSONValue serializer must agree on every
    /// input, escapes and non-ASCII included: `make` hashes with the first, `computedHash`
    /// re-hashes the members with the second.
    @Test(arguments: [
        "", "plain", "quote \" backslash \\ slash /", "new\nline\ttab\rreturn\u{8}\u{c}",
        "control \u{1}\u{1f} del \u{7f}", "héllo — ünïcode ✓ 🎉", "</script>", String(repeating: "long ", count: 200),
    ])
    func directCanonicalHashMatchesTheGenericOne(detail: String) {
        for sessionHash in [nil, "abc"] as [String?] {
            let record = MosesLedgerRecord.make(
                timestampMicroseconds: 1_767_225_600_123_456, agent: "coördinator", action: "sequence_violation",
                detail: detail, outcome: "flagged", state: GovernanceState(mode: .highSecurity, posture: .scout, role: .broadcast),
                sessionHash: sessionHash, previousHash: MosesLedgerRecord.zeroHash)
            #expect(record.hash == record.computedHash)
            #expect(record.isHashValid)
        }
    }
}

/// `MosesLedgerRecord.ledgerEntry(parsing:)` reads flat lines straight from their bytes
/// (`FlatLedgerLine`) and must give what the general parser gives, on every line.
@Suite struct FlatLedgerLineTests {
    /// Flat lines: the shipped formats, then escapes, raw non-ASCII, numbers, literals,
    /// unsorted keys and unusual whitespace.
    static let flatLines = [
        MosesLedgerRecordTests.vectorLine,
        MosesLedgerRecordTests.genesisLine,
        #"{"agent":"a","prev_hash":"abc","hash":"x"}"#,
        #"{"zeta": "last", "detail": "tab\there \"q\" back\\slash \/ ctl\u0001 del\u007f \u00e9 \ud83d\ude00", "agent": "sécondary", "action": "respond", "timestamp": "2026-03-13T14:22:01.123456+00:00", "n": -0, "f": 1e2, "g": 1.50, "ok": true, "no": false, "nothing": null, "hash": "h"}"#,
        " \t{ \"agent\" :\"observer\" ,\"action\":\"x\",\r\n\"previous_hash\" : \"p\" } \n",
        #"{}"#,
    ]

    /// Lines the general parser must handle: nested values, a repeated key, an escaped key.
    static let generalLines = [
        MosesLedgerRecordTests.hazardLine,
        #"{"agent":"first","action":"a","agent":"second","hash":"h"}"#,
        #"{"\u0061gent":"escaped-key","action":"a"}"#,
    ]

    func entries(_ line: String) throws -> (fast: LedgerEntry, general: LedgerEntry) {
        let bytes = Array(line.utf8)
        let fast = try bytes.withUnsafeBytes { raw in
            Result { () throws(FrameError) in try MosesLedgerRecord.ledgerEntry(parsing: raw, line: 3) }
        }.get()
        return (fast, try MosesLedgerRecord(line: bytes).ledgerEntry(line: 3))
    }

    func isFlat(_ line: String) -> Bool {
        Array(line.utf8).withUnsafeBytes { FlatLedgerLine($0) != nil }
    }

    @Test(arguments: flatLines)
    func flatLinesTakeTheDirectPathAndAgree(line: String) throws {
        #expect(isFlat(line))
        let (fast, general) = try entries(line)
        #expect(fast == general)
    }

    @Test(arguments: generalLines)
    func otherLinesFallBackAndAgree(line: String) throws {
        #expect(!isFlat(line))
        let (fast, general) = try entries(line)
        #expect(fast == general)
    }

    @Test func directPathReproducesTheTestVector() throws {
        let entry = try entries(MosesLedgerRecordTests.vectorLine).fast
        #expect(entry.computedHash == MosesLedgerRecordTests.vectorHash)
        #expect(entry.timestamp == 1_795_536_040_444)
        let bytes = Array(MosesLedgerRecordTests.vectorLine.utf8)
        let canonical = bytes.withUnsafeBytes { FlatLedgerLine($0)!.canonicalBytes() }
        #expect(String(decoding: canonical, as: UTF8.self) == MosesLedgerRecordTests.vectorCanonical)
    }

    @Test(arguments: [#"{"agent":"#, #"{"agent":"a"} x"#, "[1,2]", #"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}"])
    func malformedLinesFailAsTheGeneralParserFails(line: String) {
        let bytes = Array(line.utf8)
        let general = Result { () throws(FrameError) in try MosesLedgerRecord(line: bytes) }
        let fast = bytes.withUnsafeBytes { raw in
            Result { () throws(FrameError) in try MosesLedgerRecord.ledgerEntry(parsing: raw) }
        }
        guard case .failure(let expected) = general else {
            Issue.record("the general parser accepted \(line)")
            return
        }
        #expect(throws: expected) { try fast.get() }
    }
}
