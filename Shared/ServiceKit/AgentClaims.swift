public import JWTKit

/// The JWT claims of DESIGN.md section 3: who the caller is and what it may do.
public struct AgentClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var name: String?
    public var roles: [String]
    public var perms: [String]?
    public var exp: ExpirationClaim

    public init(sub: String, name: String?, roles: [String], perms: [String]?, exp: ExpirationClaim) {
        self.sub = SubjectClaim(value: sub)
        self.name = name
        self.roles = roles
        self.perms = perms
        self.exp = exp
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
