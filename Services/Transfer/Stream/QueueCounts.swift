/// A queue's live counts, as `GET /v1/queues` and the supervisors' `queue` events show them.
struct QueueCounts: Codable, Sendable, Equatable {
    var queue: String
    var waiting: Int
    var offered: Int
    var longestWaitSeconds: Int
}
