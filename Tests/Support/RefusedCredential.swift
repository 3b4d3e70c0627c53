import SwitchboardServiceKit

/// Each way an `Authorization` header can fail authentication, for parameterised tests:
/// every one must answer 401 `unauthorized` with `WWW-Authenticate: Bearer`, whatever the
/// route, before the route looks at anything else.
///
/// ```swift
/// @Test(arguments: RefusedCredential.allCases)
/// func refused(credential: RefusedCredential) async throws {
///     let header = try await credential.authorization(using: TestTokens())
///     // send it as `Authorization: <header>`
/// }
/// ```
public enum RefusedCredential: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `Bearer not-a-jwt`.
    case garbage
    /// `Bearer ` and nothing after it.
    case emptyBearer
    /// A valid admin token sent with the `Basic` scheme.
    case basicScheme
    /// A token with every role whose `exp` has passed.
    case expired
    /// A token with every role whose `nbf` is still ahead.
    case notYetValid
    /// A token with every role signed with ``TestTokens/otherSecret``.
    case anotherSecret
    /// A token with every role signed with the right secret but HS512.
    case hs512
    /// A token whose only role is unknown (`wizard`).
    case unknownRolesOnly

    public var description: String { rawValue }

    /// The whole `Authorization` header value.
    ///
    /// The refused tokens carry every role (the `Basic` one is an admin's), so a 401
    /// cannot be mistaken for the 403 of a role the route does not accept.
    public func authorization(using tokens: TestTokens) async throws -> String {
        let every = Identity.Role.allCases
        switch self {
        case .garbage:
            return "Bearer \(TestTokens.garbage)"
        case .emptyBearer:
            return "Bearer "
        case .basicScheme:
            let token = try await tokens.admin()
            return "Basic \(token)"
        case .expired:
            let token = try await tokens.expired(roles: every)
            return "Bearer \(token)"
        case .notYetValid:
            let token = try await tokens.notYetValid(roles: every)
            return "Bearer \(token)"
        case .anotherSecret:
            let token = try await tokens.signedWithAnotherSecret(roles: every)
            return "Bearer \(token)"
        case .hs512:
            let token = try await tokens.signedWithHS512(roles: every)
            return "Bearer \(token)"
        case .unknownRolesOnly:
            let token = try await tokens.unknownRolesOnly()
            return "Bearer \(token)"
        }
    }
}
