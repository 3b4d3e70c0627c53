import Foundation
import SwitchboardModels

/// The Transfer of docs/architecture.md section 3 plus who, when and the note; also the payload of
/// the `transfer.*` events. Every key is present.
struct TransferView: Codable, Sendable, Equatable {
    var id: String
    var interactionId: String
    var fromAgentId: String
    @ExplicitNull var fromAgentName: String?
    var target: TransferTarget
    @ExplicitNull var targetQueue: String?
    @ExplicitNull var note: String?
    var state: TransferState
    @ExplicitNull var reason: String?
    var createdAt: Date
    @ExplicitNull var decidedAt: Date?
}
