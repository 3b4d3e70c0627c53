/// One event for one agent's desktop: its kind and its JSON `data`, as text (written to
/// `desk_events.data` and to the stream without being parsed again).
struct DeskEvent: Sendable, Equatable {
    var kind: DeskEventKind
    /// A JSON object.
    var data: String
}
