import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Transfer

/// The supervisor views (`GET /v1/agents`, `GET /v1/queues`; ``SupervisorRoutes``) through
/// transfer's real ``Transfer/build(_:)``, without PostgreSQL: authentication, the role check
/// (supervisor or admin) and the query's rules all come before the store is asked. What the
/// lists contain is IntegrationTests' (`TransferSupervisionIntegrationTests`) and the
/// end-to-end suite's.
@Suite("Transfer supervisor routes without I/O")
struct SupervisorRouterTests {
    let tokens = TestTokens()

    static let routes: [(HTTPRequest.Method, String)] = [(.get, "/v1/agents"), (.get, "/v1/agents?queue=sales"), (.get, "/v1/queues")]

    private func withRouter(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Transfer.withTestRouter(environment: [:], test)
    }

    @Test func noTokenIs401() async throws {
        try await withRouter { client in
            try await RouterChecks.expectEveryRouteNeedsAToken(routes: Self.routes, client: client)
        }
    }

    @Test(arguments: RefusedCredential.allCases)
    func refusedCredentialIs401(credential: RefusedCredential) async throws {
        try await withRouter { client in
            try await RouterChecks.expectRefused(credential: credential, routes: Self.routes, client: client, tokens: tokens)
        }
    }

    /// An agent reads its own record (`GET /v1/agents/{id}`), never its colleagues' load or
    /// the queues' backlog; nor does a system token. Refused before the query is read.
    @Test func agentAndSystemAre403() async throws {
        let agent = try await tokens.agent()
        let system = try await tokens.system()
        try await withRouter { client in
            for token in [agent, system] {
                try await RouterChecks.expectForbidden(routes: Self.routes + [(.get, "/v1/agents?limit=0")], client: client, token: token)
            }
        }
    }

    @Test(arguments: [
        ("/v1/agents?queue=sales%20west", "queue must be a queue id"),
        ("/v1/agents?queue=\(String(repeating: "q", count: 65))", "queue must be a queue id"),
        ("/v1/agents?cursor=not-ours", "cursor is not valid"),
        ("/v1/agents?cursor=\(DirectoryCursor(after: "kate").encoded)x", "cursor is not valid"),
        ("/v1/agents?limit=0", "limit must be 1 to 200"),
        ("/v1/agents?limit=201", "limit must be 1 to 200"),
        ("/v1/agents?limit=ten", "limit must be 1 to 200"),
        ("/v1/queues?cursor=bm8gcGU", "cursor is not valid"),  // "no pe": base64, but not of a directory id
        ("/v1/queues?limit=-1", "limit must be 1 to 200"),
    ])
    func badQueryIs422NamingTheParameter(path: String, detail: String) async throws {
        let supervisor = try await tokens.supervisor()
        try await withRouter { client in
            let problem = try await client.problem(.get, path, token: supervisor)
            #expect(problem.statusAndCode == "422 invalid_request", "\(path)")
            #expect(problem.isProblemJSON)
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test func nulInTheQueryIs422InvalidCharacter() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/agents?queue=sa%00les", token: admin)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'queue'") == true, "\(problem)")
        }
    }
}
