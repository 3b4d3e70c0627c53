import ArgumentParser
import Foundation
import JWTKit
import SwitchboardServiceKit

/// Operator and developer tool. `switchboardctl token` mints a bearer token signed with
/// `SWITCHBOARD_JWT_SECRET` for trying the API by hand or from scripts.
@main
struct SwitchboardCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboardctl",
        abstract: "Switchboard operator and developer tool.",
        subcommands: [Token.self]
    )
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Mint a JWT (HS256) from SWITCHBOARD_JWT_SECRET.")

    @Option(help: "Agent id (the token's sub).") var agent: String
    @Option(help: "Display name.") var name: String?
    @Option(help: "Role: agent, supervisor, admin or system (repeatable).") var role: [String] = ["agent"]
    @Option(help: "Permission such as media.save (repeatable).") var perm: [String] = []
    @Option(help: "Lifetime in seconds.") var ttl: Int = 8 * 3600

    func validate() throws {
        for value in role where Identity.Role(rawValue: value) == nil {
            throw ValidationError("unknown role \(value): use agent, supervisor, admin or system")
        }
        guard ttl > 0 else { throw ValidationError("--ttl must be positive") }
    }

    func run() async throws {
        guard let secret = ProcessInfo.processInfo.environment["SWITCHBOARD_JWT_SECRET"], secret.utf8.count >= 32 else {
            throw ValidationError("set SWITCHBOARD_JWT_SECRET (at least 32 characters)")
        }
        let authenticator = await Authenticator(secret: secret)
        let claims = AgentClaims(
            sub: agent, name: name, roles: role, perms: perm.isEmpty ? nil : perm,
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + TimeInterval(ttl)).rounded(.down)))
        )
        print(try await authenticator.sign(claims))
    }
}
