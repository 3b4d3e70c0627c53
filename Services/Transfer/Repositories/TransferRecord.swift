import Foundation
import SwitchboardModels

struct TransferRecord: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var fromAgentID: String
    var fromAgentName: String?
    var target: TransferTarget
    /// The queue a queue or routing-point transfer put the interaction in.
    var targetQueue: String?
    var note: String?
    var state: TransferState
    /// Why it ended: `accepted`, `rejected`, `expired` (by the target agent), `requeued`
    /// (queue or routing point), `interaction_closed`, `owner_changed`; nil while pending.
    var reason: String?
    var createdAt: Date
    var decidedAt: Date?

    var idString: String { id.uuidString.lowercased() }

    var view: TransferView {
        TransferView(
            id: idString, interactionId: interactionID.uuidString.lowercased(), fromAgentId: fromAgentID, fromAgentName: fromAgentName,
            target: target, targetQueue: targetQueue, note: note, state: state, reason: reason, createdAt: createdAt, decidedAt: decidedAt
        )
    }
}
