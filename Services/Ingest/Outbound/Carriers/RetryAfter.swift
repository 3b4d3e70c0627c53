import Foundation
import SwitchboardModels

/// The `Retry-After` header (RFC 9110 section 10.2.3): delta-seconds, or an HTTP date in
/// any of its three forms (IMF-fixdate, the obsolete RFC 850 and asctime ones, which a
/// recipient must still read).
enum RetryAfter {
    /// The delay the header in `headers` (name in any case) asks for, or nil.
    static func delay(in headers: [String: String], now: Date) -> Duration? {
        delay(headers.first { $0.key.lowercased() == "retry-after" }?.value, now: now)
    }

    /// `120` → 120 s; a date → the time until it (zero once past); nil when absent or
    /// unreadable, so that the sender's own backoff applies.
    static func delay(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if value.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Int64(value).map { .seconds($0) }
        }
        guard let date = httpDate(value) else { return nil }
        return .seconds(Int64(max(0, date.timeIntervalSince(now).rounded(.up))))
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` or
    /// `Sun Nov  6 08:49:37 1994` (always UTC), else nil.
    static func httpDate(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let day: Int?
        let month: Int?
        var year: Int?
        let time: String
        switch tokens.count {
        case 6 where tokens[5] == "GMT":  // IMF-fixdate
            (day, month, year, time) = (Int(tokens[1]), monthNumber(tokens[2]), Int(tokens[3]), tokens[4])
        case 4 where tokens[3] == "GMT":  // RFC 850: day-month-yy
            let parts = tokens[1].split(separator: "-").map(String.init)
            guard parts.count == 3 else { return nil }
            (day, month, year, time) = (Int(parts[0]), monthNumber(parts[1]), Int(parts[2]), tokens[2])
            // A two-digit year: the most recent past century's (RFC 9110 reads one more
            // than 50 years ahead as the past; for a retry delay this is close enough).
            year = year.map { $0 < 100 ? ($0 < 70 ? 2000 + $0 : 1900 + $0) : $0 }
        case 5:  // asctime
            (day, month, year, time) = (Int(tokens[2]), monthNumber(tokens[1]), Int(tokens[4]), tokens[3])
        default:
            return nil
        }
        let clock = time.split(separator: ":").map { Int($0) }
        guard let day, let month, let year, (1...31).contains(day), (1000...9999).contains(year), clock.count == 3,
            let hour = clock[0], let minute = clock[1], let second = clock[2],
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return RFC3339.date(from: "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))Z")
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }
}
