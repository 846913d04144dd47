import Governance
import Testing

import WireFormats

@Suite struct LedgerTimestampTests {
    // Expected values computed with python3 `datetime.fromisoformat(...).timestamp()`.
    @Test(arguments: [
        ("2026-03-13T14:22:01.123456+00:00", Int64(1_773_411_721_123)),
        ("2026-03-13T14:22:01Z", 1_773_411_721_000),
        ("2026-03-13T14:22:01.5Z", 1_773_411_721_500),
        ("2026-03-13T14:22:01", 1_773_411_721_000),
        ("2026-03-13T16:22:01.123+02:00", 1_773_411_721_123),
        ("2026-03-13T09:52:01.123-0430", 1_773_411_721_123),
        ("1970-01-01T00:00:00+00:00", 0),
        ("1969-12-31T23:59:59.999+00:00", -1),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000),
    ])
    func parses(_ text: String, _ expected: Int64) {
        #expect(LedgerTimestamp.milliseconds(from: text) == expected)
    }

    @Test(arguments: [
        "", "2026-03-13", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-03-13T24:00:00Z",
        "2026-03-13T14:22:01.Z", "2026-03-13T14:22:01+0", "2026-03-13T14:22:01 junk", "２026-03-13T14:22:01Z",
    ])
    func rejects(_ text: String) {
        #expect(LedgerTimestamp.milliseconds(from: text) == nil)
    }

    @Test func rendersAsPythonIsoformat() {
        #expect(LedgerTimestamp.string(fromMilliseconds: 1_773_411_721_123) == "2026-03-13T14:22:01.123000+00:00")
        #expect(LedgerTimestamp.string(fromMicroseconds: 1_773_411_721_123_456) == "2026-03-13T14:22:01.123456+00:00")
        // Python leaves the fraction out when it is zero.
        #expect(LedgerTimestamp.string(fromMilliseconds: 1_773_411_721_000) == "2026-03-13T14:22:01+00:00")
        #expect(LedgerTimestamp.string(fromMilliseconds: -1) == "1969-12-31T23:59:59.999000+00:00")
    }

    @Test func roundTripsOverFourCenturies() {
        var ms: Int64 = -5_000_000_000_000
        while ms < 8_000_000_000_000 {
            #expect(LedgerTimestamp.milliseconds(from: LedgerTimestamp.string(fromMilliseconds: ms)) == ms)
            ms += 86_399_999_937
        }
    }

    @Test func theValidRangeIsYearsZeroToNineThousandNineHundredNinetyNine() {
        #expect(LedgerTimestamp.milliseconds(from: "0000-01-01T00:00:00Z") == GovernanceEvent.validTimes.lowerBound)
        #expect(LedgerTimestamp.milliseconds(from: "9999-12-31T23:59:59.999Z") == GovernanceEvent.validTimes.upperBound)
        // A valid date whose offset moves it outside the range.
        #expect(LedgerTimestamp.milliseconds(from: "0000-01-01T00:00:00+01:00") == nil)
        #expect(LedgerTimestamp.milliseconds(from: "9999-12-31T23:59:59-01:00") == nil)
    }

    /// `message.timestamp` >= 9,223,372,036,854,776 ms overflowed `milliseconds * 1000` while
    /// the store wrote the batch: rendering now pins times to the valid range instead.
    @Test(arguments: [Int64.max, 9_223_372_036_854_776, Int64.min, -9_223_372_036_854_776])
    func rendersExtremeTimesAtTheEndsOfTheValidRange(_ milliseconds: Int64) {
        let text = LedgerTimestamp.string(fromMilliseconds: milliseconds)
        #expect(text == (milliseconds > 0 ? "9999-12-31T23:59:59.999000+00:00" : "0000-01-01T00:00:00+00:00"))
    }

    @Test func rendersExtremeMicrosecondsAtTheEndsOfTheValidRange() {
        #expect(LedgerTimestamp.string(fromMicroseconds: .max) == "9999-12-31T23:59:59.999999+00:00")
        #expect(LedgerTimestamp.string(fromMicroseconds: .min) == "0000-01-01T00:00:00+00:00")
    }
}
