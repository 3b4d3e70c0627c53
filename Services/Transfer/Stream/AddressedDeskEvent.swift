/// A desk event and the agent whose desktop it is for.
struct AddressedDeskEvent: Sendable, Equatable {
    var agentID: String
    var event: DeskEvent
}
