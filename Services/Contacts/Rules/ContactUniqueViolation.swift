import HTTPTypes
import PostgresNIO
import SwitchboardServiceKit

/// A unique violation on `phones` or `emails`: two requests raced for one number or
/// address, and the loser gets the same 409 as the check that runs first.
enum ContactUniqueViolation {
    /// The 409 for `error`, or nil when it is not such a violation.
    static func problem(for error: any Error) -> (any Error)? {
        guard let database = error as? PSQLError, database.serverInfo?[.sqlState] == "23505" else { return nil }
        let constraint = database.serverInfo?[.constraintName] ?? ""
        if constraint.hasPrefix("phones") {
            return APIError(
                status: .conflict, code: "phone_taken", title: "Phone number taken",
                detail: "A phone number of the request belongs to another contact.")
        }
        if constraint.hasPrefix("emails") {
            return APIError(
                status: .conflict, code: "email_taken", title: "Email address taken",
                detail: "An email address of the request belongs to another contact.")
        }
        return nil
    }
}
