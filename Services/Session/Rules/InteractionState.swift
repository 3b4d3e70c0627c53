/// The life cycle of an interaction: `queued` → `offered` → `active` (owned) → `closed`.
enum InteractionState: String, Sendable, Codable, Equatable {
    case queued, offered, active, closed

    /// Assignment makes it active; a closed interaction cannot be assigned.
    func assigned() -> InteractionState? {
        self == .closed ? nil : .active
    }

    /// Closing is possible from every open state, once.
    func closed() -> InteractionState? {
        self == .closed ? nil : .closed
    }

    var isOpen: Bool { self != .closed }
}
