import Testing

@testable import WireFormats

@Suite struct FrameBytesTests {
    func int64(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { raw in
            FrameBytes(raw).int64(FrameSpan(start: 0, end: raw.count, kind: .number))
        }
    }

    @Test func integersOfEveryLengthParse() {
        // Lengths around the eight-digit steps, both signs.
        var digits = ""
        for length in 1...18 {
            digits += String((length * 7) % 10)
            let text = length > 1 && digits.hasPrefix("0") ? "1" + digits.dropFirst() : digits
            #expect(int64(text) == Int64(text), "\(text)")
            #expect(int64("-" + text) == Int64("-" + text), "-\(text)")
        }
        #expect(int64("1767225600123") == 1_767_225_600_123)
        #expect(int64("9223372036854775807") == .max)
        #expect(int64("-9223372036854775807") == -.max)
        #expect(int64("9223372036854775808") == nil, "overflow is nil, not a wrapped value")
        #expect(int64("0") == 0)
        #expect(int64("-0") == 0)
    }

    @Test func randomIntegersRoundTrip() {
        var state: UInt64 = 0x1234_5678
        for _ in 0..<10_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Int64(bitPattern: state) >> Int64(state % 60)
            #expect(int64(String(value)) == value)
        }
    }

    @Test func fractionsTruncateAndExponentsResolve() {
        #expect(int64("1767.9") == 1767)
        #expect(int64("12345678.5") == 12_345_678)
        #expect(int64("1.5e3") == 1500)
        #expect(int64("2E2") == 200)
        #expect(int64("1e19") == nil)
    }

    @Test func eightDigitChunksMatchTheirValue() {
        for text in ["00000000", "12345678", "99999999", "10000001", "07060504"] {
            let chunk = Array(text.utf8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            #expect(FrameBytes.valueOfEightDigits(chunk) == UInt64(text)!, "\(text)")
        }
    }
}
