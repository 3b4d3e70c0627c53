import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// A new interaction to store.
struct NewInteraction: Sendable, Equatable {
    var id: UUID
    var settings: NumberSettings
    var media: String
    var channel: String
    var from: String
    var to: String
    var origin: String
    var createdAt: Date
}
