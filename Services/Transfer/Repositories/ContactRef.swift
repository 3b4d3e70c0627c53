import SwitchboardModels

/// `{"id", "name"}` of a contact (the contacts service's), as an offer's preview shows who
/// is writing; `name` is null when the contact has none.
struct ContactRef: Codable, Sendable, Equatable {
    var id: String
    @ExplicitNull var name: String?
}
