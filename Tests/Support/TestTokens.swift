public import Foundation
public import HTTPTypes
import JWTKit
public import SwitchboardServiceKit

/// Bearer tokens for router tests, minted the way `switchboardctl token` mints them: HS256
/// over ``AgentClaims`` (`sub`, `name`, `roles`, `perms`, `exp`, optionally `nbf`) with
/// the service's `SWITCHBOARD_JWT_SECRET`, through the real ``Authenticator``'s signer.
///
/// Besides the tokens the ``Authenticator`` accepts (one per role), it makes the ones it
/// must refuse with 401: expired, not valid yet, signed with another secret, signed with
/// the right secret but another algorithm (HS512), and carrying only roles it does not
/// know.
///
/// ```swift
/// let tokens = TestTokens()                       // the secret TestBootstrap configures
/// let headers = TestTokens.bearer(try await tokens.agent("kate"))
/// ```
public struct TestTokens: Sendable {
    /// The secret ``TestBootstrap`` puts in `SWITCHBOARD_JWT_SECRET` (64 characters: long enough for the HS512 key of ``signedWithHS512(roles:)``).
    public static let defaultSecret = "router-tests-secret-0123456789abcdef-0123456789abcdef-0123456789"
    /// A secret no test service is configured with, equally long: its tokens are forgeries.
    public static let otherSecret = "another-secret-nobody-trusts-0123456789abc"

    /// The secret tokens are signed with.
    public let secret: String

    public init(secret: String = TestTokens.defaultSecret) {
        self.secret = secret
    }

    // MARK: Accepted tokens

    /// A token for `sub` with `roles` (raw role names, so unknown ones can be sent too),
    /// valid from now for `lifetime` seconds unless `expires` says otherwise.
    ///
    /// `exp` (and `nbf`) are whole seconds, as `switchboardctl` writes them.
    public func token(
        sub: String = "kate", name: String? = "Kate Lewis", roleNames: [String], perms: [String] = [],
        expires: Date? = nil, notBefore: Date? = nil, lifetime: TimeInterval = 3600
    ) async throws -> String {
        let expiry = expires ?? Date().addingTimeInterval(lifetime)
        let claims = AgentClaims(
            sub: sub, name: name, roles: roleNames, perms: perms.isEmpty ? nil : perms,
            exp: ExpirationClaim(value: Self.wholeSeconds(expiry)),
            nbf: notBefore.map { NotBeforeClaim(value: Self.wholeSeconds($0)) }
        )
        return try await Authenticator(secret: secret).sign(claims)
    }

    /// A valid token for `sub` with `roles`.
    public func token(
        sub: String = "kate", name: String? = "Kate Lewis", roles: [Identity.Role], perms: [String] = [], lifetime: TimeInterval = 3600
    ) async throws -> String {
        try await token(sub: sub, name: name, roleNames: roles.map(\.rawValue), perms: perms, lifetime: lifetime)
    }

    /// An agent's token (`roles: ["agent"]`).
    public func agent(_ sub: String = "kate", perms: [String] = []) async throws -> String {
        try await token(sub: sub, name: "Agent \(sub)", roles: [.agent], perms: perms)
    }

    /// A supervisor's token (`roles: ["supervisor"]`).
    public func supervisor(_ sub: String = "sam") async throws -> String {
        try await token(sub: sub, name: "Supervisor \(sub)", roles: [.supervisor])
    }

    /// An administrator's token (`roles: ["admin"]`).
    public func admin(_ sub: String = "ada") async throws -> String {
        try await token(sub: sub, name: "Admin \(sub)", roles: [.admin])
    }

    /// A system's token (`roles: ["system"]`): a connector or CRM, never a person.
    public func system(_ sub: String = "crm") async throws -> String {
        try await token(sub: sub, name: nil, roles: [.system])
    }

    // MARK: Refused tokens (401)

    /// Expired ten minutes ago (an otherwise valid agent token).
    public func expired(roles: [Identity.Role] = [.agent]) async throws -> String {
        try await token(roleNames: roles.map(\.rawValue), expires: Date().addingTimeInterval(-600))
    }

    /// Valid only from five minutes from now (`nbf` in the future).
    public func notYetValid(roles: [Identity.Role] = [.agent]) async throws -> String {
        try await token(roleNames: roles.map(\.rawValue), notBefore: Date().addingTimeInterval(300))
    }

    /// Well formed and unexpired, but signed with ``otherSecret``.
    public func signedWithAnotherSecret(roles: [Identity.Role] = [.admin]) async throws -> String {
        try await TestTokens(secret: Self.otherSecret).token(roles: roles)
    }

    /// Signed with the right secret but HMAC-SHA512, so its header says `HS512`
    /// (``JWTHeaderPolicy`` accepts only `HS256`).
    public func signedWithHS512(roles: [Identity.Role] = [.admin]) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha512)
        return try await keys.sign(
            AgentClaims(
                sub: "kate", name: nil, roles: roles.map(\.rawValue), perms: nil,
                exp: ExpirationClaim(value: Self.wholeSeconds(Date().addingTimeInterval(3600)))
            ))
    }

    /// Valid and signed right, but its only role is one Switchboard does not know.
    public func unknownRolesOnly() async throws -> String {
        try await token(roleNames: ["wizard"])
    }

    /// Not a JWT at all.
    public static let garbage = "not-a-jwt"

    // MARK: Headers

    /// `Authorization: Bearer <token>`.
    public static func bearer(_ token: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    private static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
