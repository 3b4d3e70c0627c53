public import Hummingbird
import JWTKit

/// Verifies `Authorization: Bearer <JWT HS256>` tokens signed with `SWITCHBOARD_JWT_SECRET`.
/// No token or a bad one → 401; the caller's rights are checked by each operation.
public struct Authenticator: Sendable {
    private let keys: JWTKeyCollection

    public init(secret: String) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
    }

    /// The identity of a request's bearer token.
    public func identity(of request: Request) async throws(APIError) -> Identity {
        guard let header = request.headers[.authorization] else { throw .unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .unauthorized }
        return try await identity(ofToken: String(parts[1]))
    }

    /// The identity of a token, or 401: the header's `alg` must be HS256, the signature
    /// valid, `exp` in the future and `nbf` (when present) in the past.
    public func identity(ofToken token: String) async throws(APIError) -> Identity {
        guard JWTHeaderPolicy.accepts(token) else { throw .unauthorized }
        let claims: AgentClaims
        do {
            claims = try await keys.verify(token, as: AgentClaims.self)
        } catch {
            throw .unauthorized
        }
        let roles = Set(claims.roles.compactMap(Identity.Role.init(rawValue:)))
        guard !claims.sub.value.isEmpty, !roles.isEmpty else { throw .unauthorized }
        return Identity(
            agentID: claims.sub.value, name: claims.name, roles: roles, permissions: Set(claims.perms ?? []), expiresAt: claims.exp.value
        )
    }

    /// Signs claims (for `switchboardctl token` and tests).
    public func sign(_ claims: AgentClaims) async throws -> String {
        try await keys.sign(claims)
    }
}
