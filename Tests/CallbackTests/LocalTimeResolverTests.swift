import Foundation
import Testing

@testable import Callback

@Suite("Local date and time in an IANA zone → instant")
struct LocalTimeResolverTests {
    let resolver = LocalTimeResolver()

    private func utc(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    @Test func normalTimeInNewYork() throws {
        let resolution = try resolver.resolve(date: "2026-11-20", time: "14:30", timeZone: "America/New_York")
        #expect(resolution.instant == utc("2026-11-20T19:30:00Z"))
        #expect(resolution.timeZone == "America/New_York")
        #expect(resolution.adjustment == .exact)
    }

    @Test func secondsAreKept() throws {
        let resolution = try resolver.resolve(date: "2026-11-20", time: "10:00:05", timeZone: "UTC")
        #expect(resolution.instant == utc("2026-11-20T10:00:05Z"))
        #expect(resolution.timeZone == "UTC", "the zone is stored as given, not as Foundation's GMT")
    }

    /// 2026-03-08: New York springs forward from 02:00 EST to 03:00 EDT.
    @Test func gapMovesForwardByTheGapLength() throws {
        let resolution = try resolver.resolve(date: "2026-03-08", time: "02:30", timeZone: "America/New_York")
        #expect(resolution.instant == utc("2026-03-08T07:30:00Z"), "02:30 → 03:30 EDT")
        #expect(resolution.adjustment == .movedForward(seconds: 3600))
        let start = try resolver.resolve(date: "2026-03-08", time: "02:00", timeZone: "America/New_York")
        #expect(start.instant == utc("2026-03-08T07:00:00Z"), "02:00 → 03:00 EDT")
    }

    @Test func timesAroundTheGapAreExact() throws {
        let before = try resolver.resolve(date: "2026-03-08", time: "01:59:59", timeZone: "America/New_York")
        #expect(before.instant == utc("2026-03-08T06:59:59Z"))
        #expect(before.adjustment == .exact)
        let after = try resolver.resolve(date: "2026-03-08", time: "03:00", timeZone: "America/New_York")
        #expect(after.instant == utc("2026-03-08T07:00:00Z"))
        #expect(after.adjustment == .exact)
    }

    /// 2026-11-01: New York falls back from 02:00 EDT to 01:00 EST; 01:30 happens twice.
    @Test func overlapTakesTheFirstOccurrence() throws {
        let resolution = try resolver.resolve(date: "2026-11-01", time: "01:30", timeZone: "America/New_York")
        #expect(resolution.instant == utc("2026-11-01T05:30:00Z"), "01:30 EDT (UTC-4), not 01:30 EST")
        #expect(resolution.adjustment == .firstOfTwo)
        let after = try resolver.resolve(date: "2026-11-01", time: "02:00", timeZone: "America/New_York")
        #expect(after.instant == utc("2026-11-01T07:00:00Z"))
        #expect(after.adjustment == .exact)
    }

    @Test func europeLondon() throws {
        #expect(try resolver.resolve(date: "2026-01-15", time: "09:00", timeZone: "Europe/London").instant == utc("2026-01-15T09:00:00Z"))
        #expect(try resolver.resolve(date: "2026-07-01", time: "09:00", timeZone: "Europe/London").instant == utc("2026-07-01T08:00:00Z"))
        // 2026-03-29 01:00 GMT → 02:00 BST: 01:30 does not exist and becomes 02:30 BST.
        let gap = try resolver.resolve(date: "2026-03-29", time: "01:30", timeZone: "Europe/London")
        #expect(gap.instant == utc("2026-03-29T01:30:00Z"))
        #expect(gap.adjustment == .movedForward(seconds: 3600))
        // 2026-10-25 02:00 BST → 01:00 GMT: 01:30 is first 01:30 BST.
        let overlap = try resolver.resolve(date: "2026-10-25", time: "01:30", timeZone: "Europe/London")
        #expect(overlap.instant == utc("2026-10-25T00:30:00Z"))
        #expect(overlap.adjustment == .firstOfTwo)
    }

    @Test func asiaKolkataHalfHourOffset() throws {
        let resolution = try resolver.resolve(date: "2026-11-20", time: "10:00", timeZone: "Asia/Kolkata")
        #expect(resolution.instant == utc("2026-11-20T04:30:00Z"))
    }

    /// Lord Howe Island moves its clocks by 30 minutes: the gap is 30 minutes long.
    @Test func halfHourGapMovesForwardThirtyMinutes() throws {
        let resolution = try resolver.resolve(date: "2026-10-04", time: "02:15", timeZone: "Australia/Lord_Howe")
        #expect(resolution.instant == utc("2026-10-03T15:45:00Z"), "02:15 → 02:45 +11:00")
        #expect(resolution.adjustment == .movedForward(seconds: 1800))
    }

    @Test func southernHemisphereOverlap() throws {
        // 2026-04-05 03:00 AEDT → 02:00 AEST in Sydney: 02:30 is first 02:30 AEDT (+11).
        let resolution = try resolver.resolve(date: "2026-04-05", time: "02:30", timeZone: "Australia/Sydney")
        #expect(resolution.instant == utc("2026-04-04T15:30:00Z"))
        #expect(resolution.adjustment == .firstOfTwo)
    }

    @Test(arguments: ["Mars/Olympus", "EST", "GMT+2", "", "america/new_york", "America/New York", "/", "Japan"])
    func unknownZoneNamesTimeZone(zone: String) {
        #expect(throws: DueTimeError.self) { try resolver.resolve(date: "2026-11-20", time: "10:00", timeZone: zone) }
        do {
            _ = try resolver.resolve(date: "2026-11-20", time: "10:00", timeZone: zone)
        } catch {
            #expect(error.field == "time_zone")
            #expect(error.detail.hasPrefix("time_zone"))
        }
    }

    @Test(arguments: [
        "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "20261120", "2026-1-20", "26-11-20", "+026-11-20", "2026/11/20", "tomorrow", "",
    ])
    func badDateNamesDate(date: String) {
        do {
            _ = try resolver.resolve(date: date, time: "10:00", timeZone: "UTC")
            Issue.record("\(date) was accepted")
        } catch {
            #expect(error.field == "date")
        }
    }

    @Test func leapDayExistsInLeapYears() throws {
        #expect(try resolver.resolve(date: "2028-02-29", time: "10:00", timeZone: "UTC").instant == utc("2028-02-29T10:00:00Z"))
    }

    @Test(arguments: ["24:00", "9:00", "10:60", "10:00:60", "10:00pm", "10", "10:00:00:00", "１０:00", "-1:00", ""])
    func badTimeNamesTime(time: String) {
        do {
            _ = try resolver.resolve(date: "2026-11-20", time: time, timeZone: "UTC")
            Issue.record("\(time) was accepted")
        } catch {
            #expect(error.field == "time")
        }
    }

    @Test func wallSecondsMatchTheCalendar() {
        let local = LocalTimeResolver.LocalDateTime(year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0)
        #expect(LocalTimeResolver.wallSeconds(local) == Int64(utc("2026-03-08T02:30:00Z").timeIntervalSince1970))
        let epoch = LocalTimeResolver.LocalDateTime(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        #expect(LocalTimeResolver.wallSeconds(epoch) == 0)
    }
}
