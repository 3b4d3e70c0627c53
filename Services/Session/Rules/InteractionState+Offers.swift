/// `offered` (docs/architecture.md section 4): session learns of offers from transfer's
/// events, which reach it through `session.events` while the assignment an accepted offer
/// causes comes through `session.commands`; either may be applied first, and an event may be
/// redelivered. So only the interaction's own state decides, never the order of arrival:
/// an offer changes nothing once an agent owns the interaction (`active`: an instant
/// transfer to an agent is an offer too, and so is one to a queue, which leaves the source
/// owner until someone accepts) or once it closed, and `active` and `closed` never go back.
extension InteractionState {
    /// The state after an offer of this interaction changed, or nil when it stays as it is.
    /// - Parameter liveOffer: whether an offer of it is pending, or accepted with its
    ///   assignment still to come (it stays `offered` until then, not `queued` for a moment).
    func afterOfferChange(liveOffer: Bool) -> InteractionState? {
        switch self {
        case .queued: liveOffer ? .offered : nil
        case .offered: liveOffer ? nil : .queued
        case .active, .closed: nil
        }
    }
}
