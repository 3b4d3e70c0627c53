/// The life cycle of an offer: `pending` → `accepted` | `rejected` | `expired` |
/// `withdrawn`, nothing else. The outcomes are final: an offer is decided once. Only a
/// callback offer is withdrawn: its callback was completed, cancelled or moved elsewhere
/// while it was offered.
///
/// Each transition returns the next state, or nil when it is not allowed; the commands turn
/// nil into 409 (`offer_expired` when the offer already expired, `offer_not_pending` when it
/// was accepted or rejected).
enum OfferState: String, Sendable, Codable, Equatable, CaseIterable {
    case pending, accepted, rejected, expired, withdrawn

    var isFinal: Bool { self != .pending }

    func accepted() -> OfferState? { self == .pending ? .accepted : nil }
    func rejected() -> OfferState? { self == .pending ? .rejected : nil }
    func expired() -> OfferState? { self == .pending ? .expired : nil }
    func withdrawn() -> OfferState? { self == .pending ? .withdrawn : nil }
}

/// What an offer routes: a new arrival in a queue (`route`, also an interaction transferred
/// to a queue or routing point), an instant transfer to this agent (`transfer`), or a due
/// SMS callback for this agent or one of its queues (`callback`).
enum OfferKind: String, Sendable, Codable, Equatable, CaseIterable {
    case route, transfer, callback
}
