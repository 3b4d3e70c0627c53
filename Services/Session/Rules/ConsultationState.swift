/// The life cycle of an IM consultation (docs/architecture.md section 10.3): `open` from the
/// invitation until one of its agents, a supervisor or an admin ends it, or until its
/// interaction closes or changes owner (then it ends by itself); `ended` is final.
enum ConsultationState: String, Sendable, Codable, Equatable, CaseIterable {
    case open, ended

    /// Ending is possible once, from `open`.
    func ended() -> ConsultationState? {
        self == .open ? .ended : nil
    }

    /// Internal messages are posted only while it is open.
    var takesMessages: Bool { self == .open }
}
