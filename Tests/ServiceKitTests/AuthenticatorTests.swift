import Crypto
import Foundation
import JWTKit
import Testing

@testable import SwitchboardServiceKit

@Suite("JWT authentication")
struct AuthenticatorTests {
    let secret = "0123456789abcdef0123456789abcdef-test"

    func token(
        secret: String? = nil, sub: String = "kate", roles: [String] = ["agent"], perms: [String]? = nil, expiresIn: TimeInterval = 600
    ) async throws -> String {
        let authenticator = await Authenticator(secret: secret ?? self.secret)
        return try await authenticator.sign(
            AgentClaims(
                sub: sub, name: "Kate Lewis", roles: roles, perms: perms, exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn))
            ))
    }

    @Test func validTokenGivesIdentity() async throws {
        let authenticator = await Authenticator(secret: secret)
        let identity = try await authenticator.identity(ofToken: try await token(roles: ["agent", "supervisor"], perms: ["media.save"]))
        #expect(identity.agentID == "kate")
        #expect(identity.name == "Kate Lewis")
        #expect(identity.roles == [.agent, .supervisor])
        #expect(identity.permissions == ["media.save"])
        #expect(identity.canReadEverything)
    }

    @Test func expiredTokenIsRejected() async throws {
        let authenticator = await Authenticator(secret: secret)
        let expired = try await token(expiresIn: -60)
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: expired) }
    }

    @Test func tokenSignedWithAnotherSecretIsRejected() async throws {
        let authenticator = await Authenticator(secret: secret)
        let forged = try await token(secret: "another-secret-another-secret-another")
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: forged) }
    }

    @Test func tamperedPayloadIsRejected() async throws {
        let authenticator = await Authenticator(secret: secret)
        let parts = try await token().split(separator: ".").map(String.init)
        let payload = Data(#"{"sub":"admin","roles":["admin"],"exp":9999999999}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let tampered = [parts[0], payload, parts[2]].joined(separator: ".")
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: tampered) }
    }

    @Test func unknownRolesOnlyIsRejected() async throws {
        let authenticator = await Authenticator(secret: secret)
        let odd = try await token(roles: ["wizard"])
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: odd) }
    }

    @Test(arguments: ["", "not-a-jwt", "a.b.c"])
    func garbageIsRejected(value: String) async {
        let authenticator = await Authenticator(secret: secret)
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: value) }
    }

    @Test func roleRequirement() throws {
        let agent = Identity(agentID: "a", name: nil, roles: [.agent], permissions: [])
        #expect(throws: APIError.self) { try agent.require(anyOf: .system, .admin) }
        try Identity(agentID: "s", name: nil, roles: [.system], permissions: []).require(anyOf: .system, .admin)
    }
}

@Suite("JWT header and time rules")
struct AuthenticatorTimeAndHeaderTests {
    let secret = "0123456789abcdef0123456789abcdef-test"

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// A token whose header and payload are given as JSON, signed with HMAC-SHA256 of the
    /// right secret: only the header (or a time claim) is wrong.
    private func handMade(header: String, payload: String) -> String {
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(payload.utf8))
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + Self.base64URL(Data(mac))
    }

    private var validPayload: String {
        #"{"sub":"kate","roles":["agent"],"exp":\#(Int(Date().timeIntervalSince1970) + 600)}"#
    }

    @Test func handMadeHS256TokenIsAccepted() async throws {
        let authenticator = await Authenticator(secret: secret)
        let identity = try await authenticator.identity(ofToken: handMade(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: validPayload))
        #expect(identity.agentID == "kate")
    }

    @Test(arguments: [
        #"{"alg":"HS512","typ":"JWT"}"#, #"{"alg":"none","typ":"JWT"}"#, #"{"alg":"hs256","typ":"JWT"}"#,
        #"{"alg":"RS256"}"#, #"{"typ":"JWT"}"#, #"["HS256"]"#,
    ])
    func headerNamingAnotherAlgorithmIsRejected(header: String) async throws {
        let authenticator = await Authenticator(secret: secret)
        let token = handMade(header: header, payload: validPayload)
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: token) }
    }

    @Test func tokenNotValidYetIsRejected() async throws {
        let authenticator = await Authenticator(secret: secret)
        let early = try await authenticator.sign(
            AgentClaims(
                sub: "kate", name: nil, roles: ["agent"], perms: nil, exp: ExpirationClaim(value: Date().addingTimeInterval(3600)),
                nbf: NotBeforeClaim(value: Date().addingTimeInterval(300))
            ))
        await #expect(throws: APIError.unauthorized) { try await authenticator.identity(ofToken: early) }
    }

    @Test func tokenWhoseNotBeforeHasPassedIsAccepted() async throws {
        let authenticator = await Authenticator(secret: secret)
        let token = try await authenticator.sign(
            AgentClaims(
                sub: "kate", name: nil, roles: ["agent"], perms: nil, exp: ExpirationClaim(value: Date().addingTimeInterval(3600)),
                nbf: NotBeforeClaim(value: Date().addingTimeInterval(-5))
            ))
        #expect(try await authenticator.identity(ofToken: token).agentID == "kate")
    }
}
