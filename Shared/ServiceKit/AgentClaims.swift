import Foundation
public import JWTKit

/// The JWT claims of docs/architecture.md section 3: who the caller is and what it may do.
///
/// `exp` is required; `nbf`, when present, is honoured (a token used before it is 401), so
/// an issuer can mint a token for a shift that has not started yet.
public struct AgentClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var name: String?
    public var roles: [String]
    public var perms: [String]?
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?

    public init(sub: String, name: String?, roles: [String], perms: [String]?, exp: ExpirationClaim, nbf: NotBeforeClaim? = nil) {
        self.sub = SubjectClaim(value: sub)
        self.name = name
        self.roles = roles
        self.perms = perms
        self.exp = exp
        self.nbf = nbf
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        if let nbf, nbf.value > Date() {
            throw JWTError.claimVerificationFailure(failedClaim: nbf, reason: "not valid yet")
        }
    }
}
