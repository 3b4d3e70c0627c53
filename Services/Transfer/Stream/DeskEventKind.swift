/// The `event:` names of the desktop stream (docs/architecture.md section 10.2).
enum DeskEventKind: String, Sendable, CaseIterable {
    /// An offer to this agent was created or changed state (the Offer object).
    case offer
    /// Something the agent is told: a transfer was rejected, accepted or expired.
    case notification
    /// An interaction this agent owns or is offered changed (the interaction without its transcript).
    case interaction
    /// An entry was appended to such an interaction, or a part's delivery status changed.
    case transcript
    /// This agent's presence changed (another tab, a supervisor).
    case presence
    /// An IM consultation this agent takes part in started, got a message or ended
    /// (`{"type", "interaction_id", "consultation", "entry"?}`).
    case consultation
    /// For supervisors: a queue's waiting and offered counts changed. Sampled, never replayed.
    case queue
    /// The stream cannot continue where the desktop left off: reload with REST.
    case resync
}
