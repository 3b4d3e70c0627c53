/// The life cycle of a callback: `scheduled` → `due` (fired at its due time) → `completed`,
/// or `cancelled` from either open state. `completed` and `cancelled` are final.
///
/// Each transition returns the next state, or nil when it is not allowed from this one; the
/// commands turn nil into 409 `callback_closed`. The transitions are deliberately few:
/// - firing only takes a `scheduled` callback to `due` (the scheduler's claim selects
///   `state = 'scheduled'` rows, so a cancelled or already fired one never fires again);
/// - rescheduling a `due` callback makes it `scheduled` again, so it fires again at the
///   new time (the agent could not reach the customer and picked another time);
/// - completing is allowed from `scheduled` as well as `due`: an agent who called the
///   customer back early records the outcome, and the callback then never fires;
/// - cancelling a `due` callback is allowed (nobody will call back after all).
enum CallbackState: String, Sendable, Codable, Equatable, CaseIterable {
    case scheduled, due, completed, cancelled

    /// Open states may still change; final ones may not.
    var isOpen: Bool { self == .scheduled || self == .due }

    /// Its due time came.
    func fired() -> CallbackState? {
        self == .scheduled ? .due : nil
    }

    /// A new due time (or a change of notes or target, which keeps the state).
    func rescheduled() -> CallbackState? {
        isOpen ? .scheduled : nil
    }

    /// Notes or target changed, due time unchanged.
    func edited() -> CallbackState? {
        isOpen ? self : nil
    }

    func cancelled() -> CallbackState? {
        isOpen ? .cancelled : nil
    }

    func completed() -> CallbackState? {
        isOpen ? .completed : nil
    }
}
