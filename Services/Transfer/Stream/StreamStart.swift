import Foundation

/// Where a new stream starts in its agent's feed, from the `Last-Event-ID` the desktop sent
/// and what the feed still holds. Pure: the replay rules are tested without a database.
enum StreamStart: Sendable, Equatable {
    /// Send what follows `seq` (replay when it is older than the newest event).
    case after(Int64)
    /// The desktop missed events the feed no longer holds (or it knows ids this feed never
    /// gave): send `resync`, then go on from `seq`, the newest event.
    case resync(from: Int64, reason: String)

    /// - Parameters:
    ///   - lastEventID: the header (or query) value the desktop sent; nil on a first connect.
    ///   - newest: the agent's newest event number (0 when it has none).
    ///   - purgedThrough: the newest event number already removed by retention.
    static func decide(lastEventID: String?, newest: Int64, purgedThrough: Int64) -> StreamStart {
        guard let lastEventID else { return .after(newest) }
        guard let last = Int64(lastEventID.trimmingCharacters(in: .whitespaces)), last >= 0 else {
            return .resync(from: newest, reason: "last_event_id_unknown")
        }
        if last > newest { return .resync(from: newest, reason: "last_event_id_unknown") }
        if last < purgedThrough { return .resync(from: newest, reason: "events_expired") }
        return .after(last)
    }
}
