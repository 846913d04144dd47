import Runtime
import Testing

@Suite struct DurationUnitsTests {
    @Test func wholeUnitsRoundTowardZero() {
        #expect(Duration.microseconds(1_999).wholeMilliseconds == 1)
        #expect(Duration.nanoseconds(1_999).wholeMicroseconds == 1)
        #expect(Duration.seconds(3).wholeMilliseconds == 3_000)
        #expect((Duration.zero - .microseconds(1_500)).wholeMilliseconds == -1)
        #expect(Duration.milliseconds(1_500).inSeconds == 1.5)
    }

    /// A duration longer than an `Int64` of the unit saturates instead of trapping.
    @Test func hugeDurationsSaturate() {
        let huge = Duration.seconds(Int64.max)
        #expect(huge.wholeMilliseconds == .max)
        #expect(huge.wholeMicroseconds == .max)
        #expect((Duration.zero - huge).wholeMilliseconds == .min)
    }
}
