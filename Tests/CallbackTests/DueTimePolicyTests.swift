import Foundation
import Testing

@testable import Callback

@Suite("Due time: due_at or local time, within the allowed window")
struct DueTimePolicyTests {
    let policy = DueTimePolicy(maxAheadDays: 365)
    let now = ISO8601DateFormatter().date(from: "2026-03-01T12:00:00Z")!

    private func utc(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    private func field(dueAt: String? = nil, date: String? = nil, time: String? = nil, timeZone: String? = nil) -> String? {
        do {
            _ = try policy.resolve(dueAt: dueAt, date: date, time: time, timeZone: timeZone, now: now)
            return nil
        } catch {
            #expect(error.detail.hasPrefix(error.field), "detail starts with the field: \(error.detail)")
            return error.field
        }
    }

    @Test func rfc3339WithAnyOffset() throws {
        let resolved = try policy.resolve(dueAt: "2026-03-02T10:00:00+01:00", date: nil, time: nil, timeZone: nil, now: now)
        #expect(resolved == .init(dueAt: utc("2026-03-02T09:00:00Z"), timeZone: nil))
    }

    @Test func dueAtMayCarryTheCustomersZone() throws {
        let resolved = try policy.resolve(dueAt: "2026-03-02T09:00:00Z", date: nil, time: nil, timeZone: "Europe/London", now: now)
        #expect(resolved.timeZone == "Europe/London")
        #expect(field(dueAt: "2026-03-02T09:00:00Z", timeZone: "Mars/Olympus") == "time_zone")
    }

    @Test func localTime() throws {
        let resolved = try policy.resolve(dueAt: nil, date: "2026-03-08", time: "02:30", timeZone: "America/New_York", now: now)
        #expect(resolved == .init(dueAt: utc("2026-03-08T07:30:00Z"), timeZone: "America/New_York"))
    }

    @Test func pastIsRefused() {
        #expect(field(dueAt: "2026-03-01T11:59:59Z") == "due_at")
        #expect(field(date: "2026-03-01", time: "06:59", timeZone: "America/New_York") == "date")
        #expect(field(dueAt: "2026-03-01T12:00:00Z") == nil, "now itself is not in the past")
    }

    @Test func tooFarAheadIsRefused() {
        #expect(field(dueAt: "2027-03-01T12:00:00Z") == nil, "exactly 365 days is allowed")
        #expect(field(dueAt: "2027-03-01T12:00:01Z") == "due_at")
        #expect(field(date: "2027-03-02", time: "12:00", timeZone: "UTC") == "date")
        let short = DueTimePolicy(maxAheadDays: 1)
        #expect(throws: DueTimeError.self) {
            try short.resolve(dueAt: "2026-03-02T12:00:01Z", date: nil, time: nil, timeZone: nil, now: now)
        }
    }

    @Test func malformedOrMissing() {
        #expect(field(dueAt: "tomorrow") == "due_at")
        #expect(field(dueAt: "2026-03-05") == "due_at", "a date alone is not an instant")
        #expect(field() == "due_at")
        #expect(field(dueAt: "2026-03-05T10:00:00Z", date: "2026-03-05") == "due_at", "both forms at once")
        #expect(field(date: "2026-03-05", time: "10:00") == "time_zone")
        #expect(field(time: "10:00", timeZone: "UTC") == "date")
        #expect(field(date: "2026-03-05", timeZone: "UTC") == "time")
        #expect(field(timeZone: "UTC") == "date")
        #expect(field(date: "2026-03-05", time: "10:00", timeZone: "Nowhere/Land") == "time_zone")
    }

    @Test func mentionsDueTime() {
        #expect(!DueTimePolicy.mentionsDueTime(dueAt: nil, date: nil, time: nil, timeZone: nil))
        #expect(DueTimePolicy.mentionsDueTime(dueAt: nil, date: nil, time: nil, timeZone: "UTC"))
    }
}
