import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Transfer

/// Transfer's HTTP API through its real ``Transfer/build(_:)`` (issue #13): every request
/// here is answered before any query, so no PostgreSQL or RabbitMQ is needed. Each case
/// was traced through `DirectoryRoutes` and `OfferRoutes`: authentication, the role check
/// (and "the agent itself, or a supervisor or admin"), the path id, the body and
/// ``TransferRequestValidator`` come before `transactions`, `store` or `client`.
///
/// Not covered here (they need the database): valid requests, unknown agents, offers and
/// transfers, who may answer an offer or request a transfer (decided by the commands in
/// their transaction), presence set for another agent, 409s and `offer_expired`.
@Suite("Transfer routes without I/O")
struct TransferRouterTests {
    let tokens = TestTokens()
    static let someID = "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44"
    static let interactionID = "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"

    /// The routes only admins may use.
    static let adminRoutes: [(HTTPRequest.Method, String)] = [
        (.put, "/v1/agents/kate"),
        (.put, "/v1/queues/sales"),
        (.put, "/v1/routing-points/front-desk"),
    ]

    /// The routes about one agent that only the agent itself, a supervisor or an admin may read.
    static let ownAgentRoutes: [String] = [
        "/v1/agents/{id}",
        "/v1/agents/{id}/notifications",
        "/v1/agents/{id}/offers",
    ]

    /// Every route (all need a caller), with well-formed ids.
    static let protectedRoutes: [(HTTPRequest.Method, String)] =
        adminRoutes + [
            (.get, "/v1/agents/kate"),
            (.put, "/v1/agents/kate/presence"),
            (.get, "/v1/agents/kate/notifications"),
            (.get, "/v1/agents/kate/offers"),
            (.get, "/v1/targets?q=sales"),
            (.post, "/v1/offers/\(someID)/accept"),
            (.post, "/v1/offers/\(someID)/reject"),
            (.post, "/v1/transfers"),
            (.get, "/v1/transfers/\(someID)"),
        ]

    /// Transfer as its executable builds it, from the test defaults plus `environment`.
    private func withRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Transfer.withTestRouter(environment: environment, test)
    }

    // MARK: Build-time configuration (no I/O either)

    @Test(arguments: ["0", "3601", "soon"])
    func buildRefusesAnInvalidOfferTimeout(value: String) async throws {
        do {
            _ = try await Transfer.build(
                TestBootstrap.make(
                    service: "transfer", defaultPort: 8083, environment: ["SWITCHBOARD_OFFER_TIMEOUT": value]
                ))
            Issue.record("transfer was built with SWITCHBOARD_OFFER_TIMEOUT=\(value)")
        } catch {
            #expect("\(error)".contains("SWITCHBOARD_OFFER_TIMEOUT"), "\(error)")
        }
    }

    // MARK: Health, metrics, OpenAPI (ServiceKit's routes on transfer's router)

    @Test(arguments: ServiceEndpoint.allCases)
    func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
        try await withRouter { client in
            try await RouterChecks.expectServiceEndpoint(
                endpoint, client: client, service: "transfer", openAPIMustContain: "/v1/routing-points/{id}:")
        }
    }

    // MARK: Authentication (401) — every route

    @Test func noTokenIs401OnEveryRoute() async throws {
        try await withRouter { client in
            try await RouterChecks.expectEveryRouteNeedsAToken(routes: Self.protectedRoutes, client: client)
        }
    }

    @Test(arguments: RefusedCredential.allCases)
    func refusedCredentialIs401OnEveryRoute(credential: RefusedCredential) async throws {
        try await withRouter { client in
            try await RouterChecks.expectRefused(credential: credential, routes: Self.protectedRoutes, client: client, tokens: tokens)
        }
    }

    // MARK: Authorization (403)

    @Test func systemTokenIs403OnEveryRoute() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.protectedRoutes, client: client, token: system)
        }
    }

    @Test func agentsAndSupervisorsAre403OnAdminRoutes() async throws {
        let agent = try await tokens.agent()
        let supervisor = try await tokens.supervisor()
        try await withRouter { client in
            for token in [agent, supervisor] {
                try await RouterChecks.expectForbidden(
                    routes: Self.adminRoutes, client: client, token: token, json: #"{"name": "Sales", "queue": "sales"}"#)
            }
        }
    }

    /// `kate` may not read `lee`'s record, notifications or offers.
    @Test func agentIs403OnAnotherAgentsRecords() async throws {
        let kate = try await tokens.agent("kate")
        let lees = Self.ownAgentRoutes.map { (HTTPRequest.Method.get, $0.replacingOccurrences(of: "{id}", with: "lee")) }
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: lees, client: client, token: kate)
        }
    }

    // MARK: PUT /v1/agents/{id}, /v1/queues/{id}, /v1/routing-points/{id} (admin)

    @Test(arguments: [
        ("/v1/agents/bad%20id", "agent id must be"),
        ("/v1/agents/kate!", "agent id must be"),
        ("/v1/agents/\(String(repeating: "k", count: 65))", "agent id must be"),
        ("/v1/queues/sales%2Fwest", "queue id must be"),
        ("/v1/routing-points/front%20desk", "routing point id must be"),
    ])
    func directoryIdThatCannotBeAnIdIs422(path: String, detail: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, path, token: admin, json: #"{"name": "Sales", "queue": "sales"}"#)
            #expect(problem.statusAndCode == "422 invalid_request", "\(path)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test(arguments: [
        (#"{}"#, "name is required"),
        (#"{"name": "  "}"#, "name is required"),
        (#"{"name": "Kate", "queues": ["sales", "bad queue"]}"#, #"queues: "bad queue""#),
        (#"{"name": "Kate", "capacity": {"sms": 101}}"#, "capacity.sms must be"),
        (#"{"name": "Kate", "capacity": {"sms": -1}}"#, "capacity.sms must be"),
    ])
    func agentBodyThatBreaksTheRulesIs422(json: String, detail: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/agents/kate", token: admin, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test(arguments: [#"{"name": "Kate""#, #"{"name": "Kate", "queues": "sales"}"#, #"{"name": "Kate", "capacity": 5}"#])
    func agentBodyThatIsNotAnAgentIs400(json: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/agents/kate", token: admin, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test func agentBodyWithNULIs422InvalidCharacter() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/agents/kate", token: admin, json: #"{"name": "Ka\u0000te"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("name") == true, "\(problem)")
        }
    }

    @Test func agentBodyOverTheLimitIs413() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let name = String(repeating: "k", count: 70 << 10)
            let problem = try await client.problem(.put, "/v1/agents/kate", token: admin, json: #"{"name": "\#(name)"}"#)
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    @Test func queueWithoutNameIs422() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/queues/sales", token: admin, json: "{}")
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.hasPrefix("name is required") == true, "\(problem)")
        }
    }

    @Test(arguments: [
        (#"{"queue": "sales"}"#, "name is required"),
        (#"{"name": "Front desk"}"#, "queue id must be"),
        (#"{"name": "Front desk", "queue": "sales west"}"#, "queue id must be"),
    ])
    func routingPointBodyThatBreaksTheRulesIs422(json: String, detail: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/routing-points/front-desk", token: admin, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    // MARK: PUT /v1/agents/{id}/presence

    @Test(arguments: [
        (#"{}"#, "channel must be one of"),
        (#"{"channel": "voice", "state": "ready"}"#, "channel must be one of"),
        (#"{"channel": "sms"}"#, "state must be ready or not_ready"),
        (#"{"channel": "sms", "state": "away"}"#, "state must be ready or not_ready"),
    ])
    func presenceThatBreaksTheRulesIs422(json: String, detail: String) async throws {
        let kate = try await tokens.agent("kate")
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/agents/kate/presence", token: kate, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    // MARK: GET /v1/targets

    @Test func targetSearchLongerThan200CharactersIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/targets?q=\(String(repeating: "s", count: 201))", token: agent)
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.hasPrefix("q is longer than 200") == true, "\(problem)")
        }
    }

    @Test func nulInTheQueryIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/targets?q=sa%00les", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'q'") == true, "\(problem)")
        }
    }

    @Test func nulInThePathIs422InvalidCharacter() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/queues/sa%00les", token: admin, json: #"{"name": "Sales"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
        }
    }

    // MARK: Offers and transfers: ids that are not UUIDs are 404, like unknown ones

    @Test func offerOrTransferIdThatIsNotAUUIDIs404() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            try await RouterChecks.expectNotFound(
                requests: [
                    (.post, "/v1/offers/not-a-uuid/accept", nil),
                    (.post, "/v1/offers/not-a-uuid/reject", nil),
                    (.get, "/v1/transfers/not-a-uuid", nil),
                ], client: client, token: agent)
        }
    }

    // MARK: POST /v1/transfers

    @Test(arguments: [
        (#"{}"#, "interaction_id is required"),
        (#"{"interaction_id": "42", "target": {"type": "agent", "id": "lee"}}"#, "interaction_id is required"),
        (#"{"interaction_id": "\#(TransferRouterTests.interactionID)"}"#, "target.type must be"),
        (#"{"interaction_id": "\#(TransferRouterTests.interactionID)", "target": {"type": "team", "id": "x"}}"#, "target.type must be"),
        (#"{"interaction_id": "\#(TransferRouterTests.interactionID)", "target": {"type": "queue"}}"#, "target.id is required"),
        (#"{"interaction_id": "\#(TransferRouterTests.interactionID)", "target": {"type": "queue", "id": "sales west"}}"#, "target.id is required"),
        (
            #"{"interaction_id": "\#(TransferRouterTests.interactionID)", "target": {"type": "agent", "id": "lee"}, "note": "\#(String(repeating: "n", count: 2001))"}"#,
            "note is longer than"
        ),
    ])
    func transferRequestThatBreaksTheRulesIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/transfers", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json.prefix(80))")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test(arguments: [#"{"interaction_id": "x""#, #"{"target": "lee"}"#, #"{"note": 1}"#])
    func transferRequestThatIsNotJSONOfTheRightShapeIs400(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/transfers", token: agent, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }
}
