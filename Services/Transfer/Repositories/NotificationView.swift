import Foundation
import SwitchboardModels

struct NotificationView: Codable, Sendable, Equatable {
    var id: String
    var kind: NotificationKind
    @ExplicitNull var transferId: String?
    @ExplicitNull var interactionId: String?
    @ExplicitNull var byAgent: AgentRef?
    var text: String
    var at: Date
}
