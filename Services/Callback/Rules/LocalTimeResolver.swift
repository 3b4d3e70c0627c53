import Foundation

/// Turns a wall-clock time in a named time zone ("call me back on 2026-03-08 at 02:30,
/// New York time") into one instant.
///
/// Agents schedule callbacks in the customer's local time, but a callback fires at an
/// instant, so the local time has to be resolved once, when it is scheduled, by rules that
/// do not depend on the platform's calendar library. Two wall times need a rule because
/// daylight-saving transitions make them non-existent or ambiguous:
///
/// - **Gap** (spring forward: 02:00–02:59 does not exist in America/New_York on
///   2026-03-08): the time is moved **forward by the length of the gap**, i.e. read with the
///   offset in force *before* the transition. 02:30 becomes 03:30 EDT (07:30Z); a 30-minute
///   gap (Australia/Lord_Howe) moves it 30 minutes. This is what a person means ("half an
///   hour after 2 o'clock") and what `java.time` and PostgreSQL do.
/// - **Overlap** (fall back: 01:00–01:59 happens twice in America/New_York on 2026-11-01):
///   the **earlier (first) occurrence** is chosen, with the offset in force before the
///   transition. 01:30 becomes 01:30 EDT (05:30Z), not 01:30 EST (06:30Z), so a callback
///   is never an hour later than the customer expects.
///
/// The resolver is pure (no clock, no I/O): it only reads the time zone database through
/// `TimeZone.secondsFromGMT(for:)`. Input formats are strict on purpose: `YYYY-MM-DD` and
/// `HH:MM` or `HH:MM:SS` (24-hour), and an IANA zone name such as `Europe/London`.
struct LocalTimeResolver: Sendable {
    /// A wall-clock date and time, without a zone.
    struct LocalDateTime: Sendable, Equatable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int
    }

    /// How the local time mapped to the instant.
    enum Adjustment: Sendable, Equatable {
        /// The wall time exists once.
        case exact
        /// The wall time fell in a gap and was moved forward by this many seconds.
        case movedForward(seconds: Int)
        /// The wall time happened twice; the first occurrence was taken.
        case firstOfTwo
    }

    /// The outcome of ``resolve(date:time:timeZone:)``.
    struct Resolution: Sendable, Equatable {
        /// The instant the callback is due.
        var instant: Date
        /// The zone's name as given (stored and shown back; Foundation would turn `UTC` into `GMT`).
        var timeZone: String
        var adjustment: Adjustment
    }

    init() {}

    /// Resolves `date` (`YYYY-MM-DD`) and `time` (`HH:MM` or `HH:MM:SS`) in the IANA zone
    /// `timeZone` to an instant, with the gap and overlap rules above.
    ///
    /// - Throws: ``DueTimeError`` naming `date`, `time` or `time_zone`.
    func resolve(date: String, time: String, timeZone: String) throws(DueTimeError) -> Resolution {
        let (year, month, day) = try parseDate(date)
        let (hour, minute, second) = try parseTime(time)
        let zone = try self.zone(named: timeZone)
        let local = LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let (instant, adjustment) = Self.instant(of: local, in: zone)
        return Resolution(instant: instant, timeZone: timeZone, adjustment: adjustment)
    }

    // MARK: Parsing

    /// `YYYY-MM-DD` with a real calendar day (2026-02-29 is refused).
    func parseDate(_ text: String) throws(DueTimeError) -> (year: Int, month: Int, day: Int) {
        let invalid = DueTimeError(field: "date", "date must be a calendar date written YYYY-MM-DD (for example 2026-11-20)")
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Self.number(parts[0]), let month = Self.number(parts[1]), let day = Self.number(parts[2])
        else { throw invalid }
        guard year >= 1, (1...12).contains(month) else { throw invalid }
        guard (1...Self.daysInMonth(year: year, month: month)).contains(day) else {
            throw DueTimeError(field: "date", "date \(text) does not exist (the month has \(Self.daysInMonth(year: year, month: month)) days)")
        }
        return (year, month, day)
    }

    /// `HH:MM` or `HH:MM:SS`, 24-hour clock, 00:00 to 23:59:59.
    func parseTime(_ text: String) throws(DueTimeError) -> (hour: Int, minute: Int, second: Int) {
        let invalid = DueTimeError(field: "time", "time must be a 24-hour time written HH:MM or HH:MM:SS (for example 14:30)")
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 }) else { throw invalid }
        guard let hour = Self.number(parts[0]), let minute = Self.number(parts[1]) else { throw invalid }
        let second = parts.count == 3 ? Self.number(parts[2]) : 0
        guard let second, (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { throw invalid }
        return (hour, minute, second)
    }

    /// An IANA zone (`America/New_York`, `Asia/Kolkata`, `Etc/GMT+5`, `UTC`, `GMT`).
    /// Abbreviations and ad-hoc offsets (`EST`, `GMT+2`) and the legacy names without a `/`
    /// (`Japan`) are refused: an abbreviation says nothing about daylight saving, which is the
    /// point of naming a zone. Names are case-sensitive, as in the IANA database.
    func zone(named name: String) throws(DueTimeError) -> TimeZone {
        let looksLikeIANA = ["UTC", "GMT"].contains(name) || (name.contains("/") && !name.hasPrefix("/") && !name.hasSuffix("/"))
        guard looksLikeIANA, name.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace }),
            let zone = TimeZone(identifier: name)
        else {
            throw DueTimeError(field: "time_zone", "time_zone is not a known IANA time zone name (for example America/New_York or Europe/London)")
        }
        return zone
    }

    // MARK: Resolution

    /// The instant of `local` in `zone`, with the gap (forward) and overlap (first) rules.
    ///
    /// The wall time is first read as if it were UTC (`wall`). An offset `o` is a valid
    /// reading when the zone's offset at `wall - o` is `o` itself. The offsets tried are
    /// those in force a day either side (a transition between them is what makes a gap or
    /// an overlap) and the offsets they lead to. Several valid readings: an overlap, take
    /// the earliest instant. None: a gap, read it with the offset in force before the
    /// transition, which moves it forward by the gap's length.
    static func instant(of local: LocalDateTime, in zone: TimeZone) -> (Date, Adjustment) {
        let wall = wallSeconds(local)
        func offset(at seconds: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
        let before = offset(at: wall - 86_400)
        let after = offset(at: wall + 86_400)
        var candidates: Set<Int64> = [before, after, offset(at: wall - before), offset(at: wall - after)]
        candidates.formUnion(candidates.map { offset(at: wall - $0) })

        let valid = candidates.filter { offset(at: wall - $0) == $0 }
        if let largest = valid.max() {
            // The largest offset gives the earliest instant: the first occurrence.
            let instant = Date(timeIntervalSince1970: TimeInterval(wall - largest))
            return (instant, valid.count > 1 ? .firstOfTwo : .exact)
        }
        // A gap: the instants `wall - o` all fall on the wrong side of the transition. The
        // earliest of them lies before it, so its offset is the one in force before.
        let earliest = wall - (candidates.max() ?? before)
        let offsetBefore = offset(at: earliest)
        let instant = Date(timeIntervalSince1970: TimeInterval(wall - offsetBefore))
        let offsetAfter = offset(at: wall - offsetBefore)
        return (instant, .movedForward(seconds: Int(max(0, offsetAfter - offsetBefore))))
    }

    /// Seconds since 1970-01-01T00:00:00 of the wall time read as UTC (proleptic
    /// Gregorian calendar; days from civil, after Howard Hinnant).
    static func wallSeconds(_ local: LocalDateTime) -> Int64 {
        let year = Int64(local.month <= 2 ? local.year - 1 : local.year)
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let month = Int64(local.month)
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + Int64(local.day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + Int64(local.hour) * 3600 + Int64(local.minute) * 60 + Int64(local.second)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// ASCII digits only (no sign, no spaces, no other scripts' digits).
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }
}
