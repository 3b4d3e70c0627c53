import Foundation
import SwitchboardModels

/// `{"id", "kind", "transfer_id", "interaction_id", "by_agent": {"id", "name"} | null,
/// "text", "at", "read": false}`.
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
