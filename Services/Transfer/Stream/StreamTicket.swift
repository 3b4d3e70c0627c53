import Foundation

/// `POST /v1/stream/tickets`: a single-use ticket a browser's `EventSource` passes as
/// `?ticket=` (it cannot send an `Authorization` header), so a long-lived token never
/// appears in a URL or a log.
struct StreamTicket: Codable, Sendable, Equatable {
    var ticket: String
    var expiresAt: Date
}
