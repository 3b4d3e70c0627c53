import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// One interaction as projected.
struct ProjectedInteraction: Sendable, Equatable {
    var id: UUID
    var from: String?
    var to: String?
    var state: String
    var agentID: String?
    var contactID: UUID?
}
