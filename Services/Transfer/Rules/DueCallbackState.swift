/// The life of a due callback in transfer: `waiting` (for an available agent) → `offered`
/// (one pending offer) → `accepted`, or back to `waiting` when that offer is rejected or
/// expires. Nothing else: a callback completed, cancelled or rescheduled elsewhere leaves
/// transfer altogether, whatever its state.
///
/// Each transition returns the next state, or nil when it is not allowed from this one.
enum DueCallbackState: String, Sendable, Equatable, CaseIterable {
    case waiting, offered, accepted

    func offered() -> DueCallbackState? { self == .waiting ? .offered : nil }
    func accepted() -> DueCallbackState? { self == .offered ? .accepted : nil }
    /// Its offer was rejected or expired: wait for the next agent.
    func returned() -> DueCallbackState? { self == .offered ? .waiting : nil }
}
