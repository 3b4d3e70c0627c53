import Foundation
import Logging
import PostgresNIO

/// What the store assigned to a new message.
struct StoredInbound: Sendable, Equatable {
    var id: UUID
    var sequence: Int64
    var acceptedAt: Date
}
