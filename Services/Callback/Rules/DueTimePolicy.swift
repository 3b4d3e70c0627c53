import Foundation
import SwitchboardModels

/// When a callback may be due, and how a request says it: either `due_at` (an RFC 3339
/// instant, optionally with the customer's `time_zone` kept for display), or a local
/// `date` + `time` in an IANA `time_zone`, resolved by ``LocalTimeResolver`` (gaps move
/// forward, overlaps take the first occurrence).
///
/// A due time must not be in the past (it would fire at once, which is never what the
/// agent meant) nor more than `maxAheadDays` ahead (`SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS`,
/// default 365: a typo in the year should not hide a callback for a decade). `now` is
/// passed in so the rule is testable.
struct DueTimePolicy: Sendable {
    /// The due instant and the zone it was expressed in (nil when only `due_at` was given).
    struct Resolved: Sendable, Equatable {
        var dueAt: Date
        var timeZone: String?
    }

    static let defaultMaxAheadDays = 365

    let maxAheadDays: Int
    let resolver = LocalTimeResolver()

    init(maxAheadDays: Int = Self.defaultMaxAheadDays) {
        self.maxAheadDays = maxAheadDays
    }

    /// Whether the request says anything about the due time (for PATCH: a reschedule).
    static func mentionsDueTime(dueAt: String?, date: String?, time: String?, timeZone: String?) -> Bool {
        dueAt != nil || date != nil || time != nil || timeZone != nil
    }

    /// The due time of a request, validated against `now`.
    ///
    /// - Throws: ``DueTimeError`` naming the field: `due_at` (missing, not RFC 3339, in the
    ///   past, too far ahead, or given together with `date`/`time`), `date`, `time` or
    ///   `time_zone`.
    func resolve(dueAt: String?, date: String?, time: String?, timeZone: String?, now: Date) throws(DueTimeError) -> Resolved {
        if let dueAt {
            guard date == nil, time == nil else {
                throw DueTimeError(field: "due_at", "due_at cannot be combined with date and time: give one or the other")
            }
            guard let instant = RFC3339.date(from: dueAt), dueAt.contains("T") || dueAt.contains("t") else {
                throw DueTimeError(field: "due_at", "due_at must be an RFC 3339 time with an offset (for example 2026-11-20T15:00:00Z)")
            }
            var zone: String?
            if let timeZone {
                _ = try resolver.zone(named: timeZone)
                zone = timeZone
            }
            try checkWindow(instant, field: "due_at", what: "due_at", now: now)
            return Resolved(dueAt: instant, timeZone: zone)
        }
        guard date != nil || time != nil || timeZone != nil else {
            throw DueTimeError(field: "due_at", "due_at is required (or date, time and time_zone)")
        }
        guard let date else { throw DueTimeError(field: "date", "date is required with time and time_zone (YYYY-MM-DD)") }
        guard let time else { throw DueTimeError(field: "time", "time is required with date and time_zone (HH:MM or HH:MM:SS)") }
        guard let timeZone else {
            throw DueTimeError(field: "time_zone", "time_zone is required with date and time (an IANA name such as America/New_York)")
        }
        let resolution = try resolver.resolve(date: date, time: time, timeZone: timeZone)
        try checkWindow(resolution.instant, field: "date", what: "date and time \(date) \(time) in \(resolution.timeZone)", now: now)
        return Resolved(dueAt: resolution.instant, timeZone: resolution.timeZone)
    }

    /// Refuses a due time in the past or more than `maxAheadDays` ahead of `now`.
    func checkWindow(_ instant: Date, field: String, what: String, now: Date) throws(DueTimeError) {
        if instant < now {
            throw DueTimeError(field: field, "\(what) is in the past (\(RFC3339.string(from: instant)))")
        }
        if instant > now.addingTimeInterval(TimeInterval(maxAheadDays) * 86_400) {
            throw DueTimeError(field: field, "\(what) is more than \(maxAheadDays) days ahead")
        }
    }
}
