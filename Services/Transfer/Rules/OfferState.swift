/// The life cycle of an offer: `pending` → `accepted` | `rejected` | `expired`, nothing
/// else. The three outcomes are final: an offer is decided once.
///
/// Each transition returns the next state, or nil when it is not allowed; the commands turn
/// nil into 409 (`offer_expired` when the offer already expired, `offer_not_pending` when it
/// was accepted or rejected).
enum OfferState: String, Sendable, Codable, Equatable, CaseIterable {
    case pending, accepted, rejected, expired

    var isFinal: Bool { self != .pending }

    func accepted() -> OfferState? { self == .pending ? .accepted : nil }
    func rejected() -> OfferState? { self == .pending ? .rejected : nil }
    func expired() -> OfferState? { self == .pending ? .expired : nil }
}

/// What an offer routes: a new arrival in a queue (`route`, also an interaction transferred
/// to a queue or routing point), or an instant transfer to this agent (`transfer`).
enum OfferKind: String, Sendable, Codable, Equatable, CaseIterable {
    case route, transfer
}
