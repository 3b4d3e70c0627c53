import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Callback

/// Callback's HTTP API through its real ``Callback/build(_:)`` (issue #13): every request
/// here is answered before any query, so no PostgreSQL or RabbitMQ is needed. Each case
/// was traced through `CallbackRoutes`: authentication, the role check, the id, the body
/// and its validation all come before `transactions`, `store` or `client`.
///
/// Not covered here (they need the database): a valid request to any `/v1/callbacks`
/// route, who may see or change which callback (``CallbackAccess``, after the lookup),
/// an unknown `interaction_id`, 409 `callback_closed`.
@Suite("Callback routes without I/O")
struct CallbackRouterTests {
    let tokens = TestTokens()
    static let someID = "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"

    /// Every route that needs a caller, with a well-formed id.
    static let protectedRoutes: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/callbacks"),
        (.get, "/v1/callbacks"),
        (.get, "/v1/callbacks/\(someID)"),
        (.patch, "/v1/callbacks/\(someID)"),
        (.delete, "/v1/callbacks/\(someID)"),
        (.post, "/v1/callbacks/\(someID)/complete"),
    ]

    /// A schedule body that is valid but for what a test changes.
    static func scheduleBody(phone: String? = "+14155550100", dueAt: Date = Date().addingTimeInterval(86_400), extra: String = "") -> String {
        let formatter = ISO8601DateFormatter()
        let phoneField = phone.map { #""phone": "\#($0)", "# } ?? ""
        return #"{\#(phoneField)"due_at": "\#(formatter.string(from: dueAt))", "target": {"type": "agent", "id": "kate"}\#(extra)}"#
    }

    /// Callback as its executable builds it, from the test defaults plus `environment`.
    private func withRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Callback.withTestRouter(environment: environment, test)
    }

    // MARK: Health, metrics, OpenAPI (ServiceKit's routes on callback's router)

    @Test(arguments: ServiceEndpoint.allCases)
    func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
        try await withRouter { client in
            try await RouterChecks.expectServiceEndpoint(
                endpoint, client: client, service: "callback", openAPIMustContain: "/v1/callbacks/{id}/complete:")
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

    /// The secret is the bootstrap's, not the process environment's: a token signed with
    /// the test default is refused by a service configured with another secret.
    @Test func tokenOfAnotherConfiguredSecretIs401() async throws {
        let token = try await tokens.agent()
        try await withRouter(environment: ["SWITCHBOARD_JWT_SECRET": TestTokens.otherSecret]) { client in
            let problem = try await client.problem(.get, "/v1/callbacks", token: token)
            #expect(problem.statusAndCode == "401 unauthorized")
        }
    }

    // MARK: Authorization (403) — agent, supervisor or admin only

    @Test func systemTokenIs403OnEveryRoute() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.protectedRoutes, client: client, token: system)
        }
    }

    // MARK: POST /v1/callbacks

    @Test func scheduleWithMalformedJSONIs400() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/callbacks", token: agent, json: #"{"phone": "+14155550100", "#)
            #expect(problem.statusAndCode == "400 bad_request")
            let notAnObject = try await client.problem(.post, "/v1/callbacks", token: agent, json: "[1, 2]")
            #expect(notAnObject.statusAndCode == "400 bad_request")
        }
    }

    @Test(arguments: [
        (nil as String?, "", "phone"),
        ("hello", "", "phone"),
        ("+14155550100", #", "channel": "fax""#, "channel"),
        ("+14155550100", #", "interaction_id": "42""#, "interaction_id"),
        ("+14155550100", #", "contact_id": " padded ""#, "contact_id"),
    ])
    func scheduleWithInvalidFieldIs422NamingIt(phone: String?, extra: String, field: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/callbacks", token: agent, json: Self.scheduleBody(phone: phone, extra: extra))
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.hasPrefix(field) == true, "\(problem)")
        }
    }

    @Test func scheduleWithoutTargetIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(
                .post, "/v1/callbacks", token: agent, json: #"{"phone": "+14155550100", "due_at": "2030-01-01T10:00:00Z"}"#)
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.hasPrefix("target") == true, "\(problem)")
        }
    }

    @Test func scheduleInThePastIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let body = Self.scheduleBody(dueAt: Date().addingTimeInterval(-3600))
            let problem = try await client.problem(.post, "/v1/callbacks", token: agent, json: body)
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.contains("in the past") == true, "\(problem)")
        }
    }

    /// `SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS` is read from the bootstrap's environment.
    @Test func scheduleBeyondTheConfiguredHorizonIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter(environment: ["SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS": "7"]) { client in
            let body = Self.scheduleBody(dueAt: Date().addingTimeInterval(30 * 86_400))
            let problem = try await client.problem(.post, "/v1/callbacks", token: agent, json: body)
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.contains("more than 7 days ahead") == true, "\(problem)")
        }
    }

    @Test func scheduleWithNULInAFieldIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let body = Self.scheduleBody(extra: #", "notes": "call\u0000me""#)
            let problem = try await client.problem(.post, "/v1/callbacks", token: agent, json: body)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("notes") == true, "\(problem)")
        }
    }

    @Test func scheduleBodyOverTheLimitIs413() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let notes = String(repeating: "x", count: 70 << 10)
            let problem = try await client.problem(.post, "/v1/callbacks", token: agent, json: Self.scheduleBody(extra: #", "notes": "\#(notes)""#))
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    // MARK: GET /v1/callbacks

    @Test(arguments: [
        "state=bogus", "target=team:sales", "target=agent", "due_before=tomorrow", "cursor=bm9wZQ", "limit=0", "limit=201", "limit=ten",
    ])
    func listWithInvalidQueryIs422(query: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/callbacks?\(query)", token: agent)
            #expect(problem.statusAndCode == "422 invalid_request", "\(query)")
            #expect(problem.isProblemJSON)
        }
    }

    @Test func nulInTheQueryIs422InvalidCharacterNamingTheParameter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/callbacks?state=scheduled&target=agent:ka%00te", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'target'") == true, "\(problem)")
        }
    }

    @Test func nulInThePathIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/callbacks/ab%00cd", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
        }
    }

    // MARK: /v1/callbacks/{id}: an id that is not a UUID is 404, like an unknown one

    @Test func idThatIsNotAUUIDIs404OnEveryRoute() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            try await RouterChecks.expectNotFound(
                requests: [
                    (.get, "/v1/callbacks/not-a-uuid", nil),
                    (.patch, "/v1/callbacks/not-a-uuid", #"{"notes": "later"}"#),
                    (.delete, "/v1/callbacks/not-a-uuid", nil),
                    (.post, "/v1/callbacks/not-a-uuid/complete", #"{"outcome": "reached"}"#),
                ], client: client, token: agent)
        }
    }

    // MARK: PATCH /v1/callbacks/{id}

    @Test(arguments: [
        (#"{}"#, "nothing to change"),
        (#"{"phone": "+14155550101"}"#, "phone cannot be changed"),
        (#"{"channel": "sms"}"#, "channel cannot be changed"),
        (#"{"interaction_id": "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"}"#, "interaction_id cannot be changed"),
        (#"{"due_at": "2020-01-01T00:00:00Z"}"#, "due_at"),
        (#"{"time_zone": "UTC"}"#, "date"),
        (#"{"target": {"type": "team", "id": "x"}}"#, "target.type"),
    ])
    func changeWithInvalidBodyIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/callbacks/\(Self.someID)", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test func changeWithMalformedJSONIs400() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/callbacks/\(Self.someID)", token: agent, json: "notes=later")
            #expect(problem.statusAndCode == "400 bad_request")
        }
    }

    // MARK: POST /v1/callbacks/{id}/complete

    @Test(arguments: [#"{}"#, #"{"outcome": "   "}"#, #"{"outcome": null}"#])
    func completeWithoutOutcomeIs422(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/callbacks/\(Self.someID)/complete", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix("outcome") == true, "\(problem)")
        }
    }

    @Test func completeWithTooLongOutcomeIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let outcome = String(repeating: "x", count: CallbackRequestValidator.maxOutcomeLength + 1)
            let problem = try await client.problem(.post, "/v1/callbacks/\(Self.someID)/complete", token: agent, json: #"{"outcome": "\#(outcome)"}"#)
            #expect(problem.statusAndCode == "422 invalid_request")
        }
    }
}
