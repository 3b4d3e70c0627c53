public import Foundation

/// RFC 3339 times: written in UTC with milliseconds, read with or without fractions and
/// with any offset.
///
/// Every event carries one or more times, so both directions have a hand-written fast path
/// (Foundation's `ISO8601FormatStyle` was a few per cent of a service's CPU per message).
/// Writing always takes it; reading takes it for the usual shapes
/// (`2026-11-23T14:44:21.967Z`, `…+01:00`, with or without a fraction) and leaves
/// everything else to Foundation, so what was accepted before still is.
public enum RFC3339 {
    public static func string(from date: Date) -> String {
        // To the microsecond first (what PostgreSQL stores; a Double holds x.770 as
        // x.76999…), then floored to the millisecond: the fraction stays 0...999 and a time
        // read back from its own text writes the same text again.
        let milliseconds = ((date.timeIntervalSince1970 * 1_000_000).rounded() / 1000).rounded(.down)
        guard fastRange.contains(milliseconds) else {
            // Outside 1900...2199 the rare case keeps Foundation's behaviour.
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
        }
        let (seconds, fraction) = floorDivision(Int64(milliseconds), 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = CivilCalendar.date(fromDaysSinceEpoch: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendDigits(Int64(year), width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int64(month), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int64(day), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendDigits(fraction, width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// 1900-01-01 ..< 2200-01-01 in milliseconds: where the fast paths work. Within it a
    /// `Double` still holds microseconds, and Foundation's calendar is the Gregorian one
    /// (before 1582 it writes Julian dates).
    static let fastRange: ClosedRange<Double> = -2_208_988_800_000...7_258_118_399_999

    public static func date(from text: String) -> Date? {
        if let date = fastDate(from: text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, or nil for anything else (then Foundation decides).
    static func fastDate(from text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            var reader = DigitReader(bytes: bytes)
            guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
                let day = reader.number(2), reader.skip("T"), let hour = reader.number(2), reader.skip(":"),
                let minute = reader.number(2), reader.skip(":"), let second = reader.number(2),
                (1...12).contains(month), (1...CivilCalendar.days(inMonth: month, year: year)).contains(day),
                hour < 24, minute < 60, second < 60, (1900...2199).contains(year)
            else { return nil }
            var fraction = 0.0
            if reader.skip(".") {
                var digits: Int64 = 0
                var scale: Int64 = 1
                var count = 0
                while let digit = reader.digit() {
                    // Nine digits (nanoseconds) is more than a Date holds; the rest are read and dropped.
                    if count < 9 {
                        digits = digits * 10 + Int64(digit)
                        scale *= 10
                    }
                    count += 1
                }
                guard count > 0 else { return nil }
                fraction = Double(digits) / Double(scale)
            }
            var offsetSeconds: Int64 = 0
            if reader.skip("Z") {
                offsetSeconds = 0
            } else if let sign = reader.sign(), let offsetHours = reader.number(2), reader.skip(":"),
                let offsetMinutes = reader.number(2), offsetHours < 24, offsetMinutes < 60
            {
                offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
            } else {
                return nil
            }
            guard reader.atEnd else { return nil }
            let days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        var (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        if remainder < 0 {
            remainder += divisor
            quotient -= 1
        }
        return (quotient, remainder)
    }

    private static func appendDigits(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        if digits.count < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        bytes.append(contentsOf: digits.reversed())
    }
}
