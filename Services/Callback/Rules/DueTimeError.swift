/// Why a callback's due time was refused: the request field at fault and a sentence that
/// starts with that field's name, ready to be the `detail` of a 422 problem.
///
/// The field is kept apart from the text so that tests (and the route that maps this to
/// `APIError.invalid`) can check *which* field was wrong without parsing prose.
struct DueTimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `due_at`, `date`, `time` or `time_zone`.
    let field: String
    /// A readable reason, starting with the field name (`time_zone is not a known IANA time zone`).
    let detail: String

    init(field: String, _ detail: String) {
        self.field = field
        self.detail = detail
    }

    var description: String { detail }
}
