import Governance

/// ISO-8601 timestamps as the MO§ES scripts write them (`datetime.now(timezone.utc).isoformat()`:
/// `2026-03-13T14:22:01.123456+00:00`) and as their docs show them (`…Z`, no fraction),
/// converted to and from milliseconds since the epoch. Stateless; any thread.
package enum LedgerTimestamp {
    /// Milliseconds since the epoch for an ISO-8601 date-time with a `T` (or space) separator,
    /// optional fraction of any length (truncated to milliseconds), and `Z`, `±HH:MM`,
    /// `±HHMM` or `±HH` offset. A missing offset is read as UTC (Python's naive `isoformat`).
    ///
    /// - Returns: nil when `text` is not such a timestamp, names an impossible date, or is
    ///   outside `GovernanceEvent.validTimes` (a year-0000 date with a positive offset).
    package static func milliseconds(from text: String) -> Int64? {
        var text = text
        return text.withUTF8 { milliseconds(from: UnsafeRawBufferPointer($0)) }
    }

    /// `milliseconds(from:)` over raw UTF-8 bytes (no allocation).
    package static func milliseconds(from bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        func number(_ digits: Int) -> Int64? {
            guard index + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<digits {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")),
              let month = number(2), expect(UInt8(ascii: "-")),
              let day = number(2)
        else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t")
            || bytes[index] == UInt8(ascii: " ")
        else { return nil }
        index += 1
        guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")),
              let second = number(2)
        else { return nil }
        var millisecond: Int64 = 0
        if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
            var digits = 0
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
                if digits < 3 { millisecond = millisecond * 10 + Int64(bytes[index] &- UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millisecond *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let offsetHours = number(2) else { return nil }
                var offsetMinute: Int64 = 0
                if index < bytes.count {
                    _ = expect(UInt8(ascii: ":"))
                    guard let parsed = number(2) else { return nil }
                    offsetMinute = parsed
                }
                guard offsetHours < 24, offsetMinute < 60 else { return nil }
                offsetMinutes = sign * (offsetHours * 60 + offsetMinute)
            default:
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        // Four-digit years keep every product here far inside 64 bits.
        let seconds = ((days * 24 + hour) * 60 + minute) * 60 + second - offsetMinutes * 60
        let milliseconds = seconds * 1000 + millisecond
        return GovernanceEvent.validTimes.contains(milliseconds) ? milliseconds : nil
    }

    /// The timestamp as Python's `datetime.isoformat()` writes a UTC time:
    /// `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, with the fraction left out when it is zero,
    /// exactly as Python does. A time outside `GovernanceEvent.validTimes` (which the
    /// parsers never let in) is written as the nearer end of that range, not trapped on.
    package static func string(fromMilliseconds milliseconds: Int64) -> String {
        string(fromMicroseconds: microseconds(fromMilliseconds: milliseconds))
    }

    /// `milliseconds` in microseconds, pinned to `GovernanceEvent.validTimes`.
    private static func microseconds(fromMilliseconds milliseconds: Int64) -> Int64 {
        let range = GovernanceEvent.validTimes
        let pinned: Int64 = min(max(milliseconds, range.lowerBound), range.upperBound)
        return pinned * 1000
    }

    /// The microseconds that `GovernanceEvent.validTimes` spans.
    private static let validMicroseconds: ClosedRange<Int64> = {
        let first: Int64 = GovernanceEvent.validTimes.lowerBound * 1000
        let last: Int64 = GovernanceEvent.validTimes.upperBound * 1000 + 999
        return first...last
    }()

    /// `string(fromMilliseconds:)` for a time in microseconds (Python's own resolution),
    /// pinned to `GovernanceEvent.validTimes` the same way.
    package static func string(fromMicroseconds microseconds: Int64) -> String {
        let microseconds: Int64 = min(max(microseconds, validMicroseconds.lowerBound), validMicroseconds.upperBound)
        let micros = floorMod(microseconds, 1_000_000)
        let totalSeconds = floorDiv(microseconds, 1_000_000)
        let days = floorDiv(totalSeconds, 86_400)
        let secondOfDay = floorMod(totalSeconds, 86_400)
        let (year, month, day) = civilFromDays(days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if micros != 0 { text += "." + pad(micros, 6) }
        return text + "+00:00"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { (a - floorMod(a, b)) / b }
    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { ((a % b) + b) % b }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    private static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
