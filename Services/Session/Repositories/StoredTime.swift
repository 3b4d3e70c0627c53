import Foundation

/// A time as PostgreSQL will give it back once written through PostgresNIO, for the views an
/// event builds from what it wrote instead of reading it back.
///
/// PostgresNIO binds a `Date` as whole microseconds since 2000-01-01 by truncation, and a
/// `Double` holds most millisecond times just below their value (ingest's `…34.199` is
/// `…34.19899999…`): the row keeps `.198999`, which GET renders as `.198` while the same
/// `Date` in memory renders as `.199`. This is exactly the round trip (PostgresNIO's encode
/// then decode), so an event's view shows what GET shows, to the bit.
enum StoredTime {
    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    static func postgres(_ date: Date) -> Date {
        let microseconds = Int64(date.timeIntervalSince(postgresEpoch) * 1_000_000)
        return Date(timeInterval: Double(microseconds) / 1_000_000, since: postgresEpoch)
    }
}
