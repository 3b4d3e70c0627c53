import Foundation

/// An interaction's current state, read under a row lock by the commands that change it.
struct InteractionRecord: Sendable, Equatable {
    var id: UUID
    var state: InteractionState
    var mode: InteractionMode
    var channel: String
    var from: String
    var to: String
    var ownerID: String?
    var ownerName: String?
    var disposition: String?
    var dispositionRequired: Bool
    var caseData: [String: String]
    var inactivityTimeoutSeconds: Int

    var idString: String { id.uuidString.lowercased() }
}
