/// `{"id", "name"}` of a contact or an agent, as session's API and its interaction events
/// show it.
public struct PartyView: Codable, Sendable, Equatable {
    public var id: String
    @ExplicitNull public var name: String?

    public init(id: String, name: String?) {
        self.id = id
        self.name = name
    }
}
