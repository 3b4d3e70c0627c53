/// The life cycle of a transfer (docs/architecture.md section 3, "Transfer"):
///
/// - to an agent: `pending` (the target has an offer) → `accepted` (the `interaction.assign`
///   command is on its way) | `rejected` | `expired` (the interaction stays with the source);
/// - to a queue or routing point: `completed` at once (the source released the
///   interaction, which re-enters the target queue as a new arrival).
///
/// A pending transfer also ends `expired` when its interaction closes or changes owner by
/// other means before the target answered.
enum TransferState: String, Sendable, Codable, Equatable, CaseIterable {
    case pending, accepted, rejected, expired, completed

    var isFinal: Bool { self != .pending }
}

/// What a transfer targets.
enum TargetType: String, Sendable, Codable, Equatable, CaseIterable {
    case agent, queue
    case routingPoint = "routing_point"
}

/// `{"type", "id"}` of a transfer.
struct TransferTarget: Sendable, Codable, Equatable {
    var type: TargetType
    var id: String
}
