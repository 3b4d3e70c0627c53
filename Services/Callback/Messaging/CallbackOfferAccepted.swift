/// What callback reads of transfer's `offer.accepted` (docs/architecture.md section 10.3):
/// the offer's kind, its agent, and for a `callback` offer the callback's id. Every other
/// field of the offer is left to whoever shows it.
struct CallbackOfferAccepted: Codable, Sendable, Equatable {
    struct Callback: Codable, Sendable, Equatable {
        var id: String
    }

    var kind: String
    var agentId: String
    var callback: Callback?
}
