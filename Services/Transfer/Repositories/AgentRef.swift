import Foundation
import SwitchboardModels

struct AgentRef: Codable, Sendable, Equatable {
    var id: String
    var name: String?
}
