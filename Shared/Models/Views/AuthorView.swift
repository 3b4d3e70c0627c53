/// An author of a transcript entry: `contact` (id the customer's number), `agent` (id and
/// name) or `system` (neither).
public struct AuthorView: Codable, Sendable, Equatable {
    public var type: String
    @ExplicitNull public var id: String?
    @ExplicitNull public var name: String?

    public init(type: String, id: String?, name: String?) {
        self.type = type
        self.id = id
        self.name = name
    }
}
