/// A validated `PATCH /v1/callbacks/{id}`: nil means "unchanged".
struct CallbackChange: Sendable, Equatable {
    /// A new due time: a reschedule (a `due` callback becomes `scheduled` again).
    var due: DueTimePolicy.Resolved?
    /// New notes; `.some(nil)` clears them (the request sent `"notes": ""`).
    var notes: String??
    var target: CallbackTarget?

    var isEmpty: Bool { due == nil && notes == nil && target == nil }
}
