import Foundation
import SwitchboardModels

/// A notification to an agent (a transfer it started was rejected or expired), as
/// stored; ``view`` is what `GET /v1/agents/{id}/notifications` shows: `{"id", "kind",
/// "transfer_id", "interaction_id", "by_agent": {"id", "name"?} | null, "text", "at"}`.
struct NotificationRecord: Sendable, Equatable {
    var id: UUID
    var agentID: String
    var kind: NotificationKind
    var transferID: UUID?
    var interactionID: UUID?
    var byAgent: AgentRef?
    var text: String
    var at: Date

    var view: NotificationView {
        NotificationView(
            id: id.uuidString.lowercased(), kind: kind, transferId: transferID?.uuidString.lowercased(),
            interactionId: interactionID?.uuidString.lowercased(), byAgent: byAgent, text: text, at: at
        )
    }
}
