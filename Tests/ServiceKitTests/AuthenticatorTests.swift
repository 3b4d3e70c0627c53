import Foundation
import JWTKit
import Testing
@testable import SwitchboardServiceKit

@Suite("JWT authentication")
struct AuthenticatorTests {
    let secret = "0123456789abcdef0123456789abcdef-test"

    func token(secret: String? = nil, sub: String = "kate", roles: [String] = ["agent"], perms: [String]? = nil, expiresIn: TimeInterval = 600) async throws -> String {
        let authenticator = await Authenticator(secret: secret ?? self.secret)
        return try await authenticator.sign(AgentClaims(
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
