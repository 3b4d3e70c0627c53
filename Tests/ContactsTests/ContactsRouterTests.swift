import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Contacts

/// Contacts' HTTP API through its real ``Contacts/build(_:)`` (issue #13): every request
/// here is answered before any query, so no PostgreSQL or RabbitMQ is needed. Each case
/// was traced through `ContactRoutes`: authentication, the role check (``ContactAccess``),
/// the path id, the body and its validation come before `transactions`, `contacts`,
/// `history`, `consent` or `client`.
///
/// Not covered here (they need the database): valid requests, 301/410 for merged and
/// deleted contacts, `since`/`cursor`/`limit` of the history (parsed after the contact is
/// looked up), 403 `not_owner` of an assignment, 409s, 404 for an unknown contact or merge
/// (`Tests/IntegrationTests`, `Tests/EndToEnd/test_e2e_contacts.py`). A `system` token is allowed on
/// `POST`/`GET /v1/contacts` and `GET /v1/consent/{number}`, so there is no 403 without
/// I/O on those.
@Suite("Contacts routes without I/O")
struct ContactsRouterTests {
    let tokens = TestTokens()
    static let someID = "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44"
    static let otherID = "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"

    /// Every route that needs a caller, with well-formed ids.
    static let protectedRoutes: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/contacts"),
        (.get, "/v1/contacts"),
        (.get, "/v1/contacts/\(someID)"),
        (.patch, "/v1/contacts/\(someID)"),
        (.delete, "/v1/contacts/\(someID)"),
        (.get, "/v1/contacts/\(someID)/history"),
        (.post, "/v1/contacts/\(someID)/merge"),
        (.post, "/v1/merges/\(someID)/undo"),
        (.get, "/v1/merges?contact_id=\(someID)"),
        (.get, "/v1/merges/\(someID)"),
        (.post, "/v1/contact-assignments"),
        (.get, "/v1/consent/%2B14155550100"),
    ]

    /// The routes only agents, supervisors and admins may use (``ContactAccess/readWrite``).
    static let readWriteRoutes: [(HTTPRequest.Method, String)] = [
        (.get, "/v1/contacts/\(someID)"),
        (.patch, "/v1/contacts/\(someID)"),
        (.delete, "/v1/contacts/\(someID)"),
        (.get, "/v1/contacts/\(someID)/history"),
        (.post, "/v1/contacts/\(someID)/merge"),
        (.post, "/v1/merges/\(someID)/undo"),
        (.get, "/v1/merges?contact_id=\(someID)"),
        (.get, "/v1/merges/\(someID)"),
        (.post, "/v1/contact-assignments"),
    ]

    /// Contacts as its executable builds it, from the test defaults plus `environment`.
    private func withRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Contacts.withTestRouter(environment: environment, test)
    }

    // MARK: Health, metrics, OpenAPI (ServiceKit's routes on contacts' router)

    @Test(arguments: ServiceEndpoint.allCases)
    func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
        try await withRouter { client in
            try await RouterChecks.expectServiceEndpoint(
                endpoint, client: client, service: "contacts", openAPIMustContain: "/v1/contact-assignments:")
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

    // MARK: Authorization (403) — system tokens only create, search and read consent

    @Test func systemTokenIs403OnReadWriteRoutes() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.readWriteRoutes, client: client, token: system)
        }
    }

    // MARK: POST /v1/contacts

    @Test func createWithMalformedJSONIs400() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let malformed = try await client.problem(.post, "/v1/contacts", token: agent, json: #"{"first_name": "Kate""#)
            #expect(malformed.statusAndCode == "400 bad_request")
            let wrongType = try await client.problem(.post, "/v1/contacts", token: agent, json: #"{"phones": "+14155550100"}"#)
            #expect(wrongType.statusAndCode == "400 bad_request")
        }
    }

    @Test(arguments: [
        (#"{}"#, "a contact needs"),
        (#"{"first_name": "   "}"#, "a contact needs"),
        (#"{"phones": ["hello"]}"#, "phones[0] is not a phone number"),
        (#"{"phones": ["+14155550100", "(415) 555"]}"#, "phones[1]"),
        (#"{"emails": ["nope"]}"#, "emails[0]"),
        (#"{"display_name": "Kate", "emails": ["kate@"]}"#, "emails[0]"),
        (#"{"first_name": "Ka\tte"}"#, "first_name contains control characters"),
        (#"{"first_name": "Kate", "attributes": {"": "x"}}"#, "attribute names"),
    ])
    func createWithInvalidFieldIs422NamingIt(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/contacts", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    /// A system token passes the role check of `POST /v1/contacts` and meets the same rules.
    @Test func systemCreateWithInvalidFieldIs422() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/contacts", token: system, json: #"{"phones": ["hello"]}"#)
            #expect(problem.statusAndCode == "422 invalid_request")
        }
    }

    @Test func createWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/contacts", token: agent, json: #"{"first_name": "Ka\u0000te"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("first_name") == true, "\(problem)")
        }
    }

    @Test func createBodyOverTheLimitIs413() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let name = String(repeating: "x", count: 70 << 10)
            let problem = try await client.problem(.post, "/v1/contacts", token: agent, json: #"{"first_name": "\#(name)"}"#)
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    // MARK: GET /v1/contacts

    @Test(arguments: [
        "phone=hello", "email=nope", "q=a+b+c+d+e+f+g+h+i+j+k", "cursor=bm9wZQ", "limit=0", "limit=201", "limit=all",
    ])
    func searchWithInvalidQueryIs422(query: String) async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/contacts?\(query)", token: system)
            #expect(problem.statusAndCode == "422 invalid_request", "\(query)")
            #expect(problem.isProblemJSON)
        }
    }

    @Test func nulInTheQueryIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/contacts?q=kate%00", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'q'") == true, "\(problem)")
        }
    }

    // MARK: Ids that are not UUIDs: 404, like unknown ones

    @Test func idThatIsNotAUUIDIs404() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            try await RouterChecks.expectNotFound(
                requests: [
                    (.get, "/v1/contacts/not-a-uuid", nil),
                    (.patch, "/v1/contacts/not-a-uuid", #"{"first_name": "Kate"}"#),
                    (.delete, "/v1/contacts/not-a-uuid", nil),
                    (.get, "/v1/contacts/not-a-uuid/history", nil),
                    (.post, "/v1/contacts/not-a-uuid/merge", #"{"source_id": "\#(Self.otherID)"}"#),
                    (.post, "/v1/merges/not-a-uuid/undo", nil),
                    (.get, "/v1/merges/not-a-uuid", nil),
                ], client: client, token: agent)
        }
    }

    // MARK: PATCH /v1/contacts/{id} (JSON merge patch)

    @Test(arguments: ["[]", #""Kate""#, "first_name=Kate"])
    func patchThatIsNotAJSONObjectIs400(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/contacts/\(Self.someID)", token: agent, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test(arguments: [
        (#"{}"#, "nothing to change"),
        (#"{"id": "x"}"#, "id cannot be changed"),
        (#"{"created_at": "2026-01-01T00:00:00Z"}"#, "created_at cannot be changed"),
        (#"{"nickname": "K"}"#, "unknown field nickname"),
        (#"{"first_name": 5}"#, "first_name must be a string or null"),
        (#"{"phones": "+14155550100"}"#, "phones must be an array of strings"),
        (#"{"phones": ["hello"]}"#, "phones[0] is not a phone number"),
        (#"{"emails": [1]}"#, "emails must be an array of strings"),
        (#"{"attributes": ["x"]}"#, "attributes must be an object of strings"),
        (#"{"attributes": {"tier": 3}}"#, "attributes.tier must be a string or null"),
    ])
    func patchWithInvalidFieldIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/contacts/\(Self.someID)", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test func patchWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/contacts/\(Self.someID)", token: agent, json: #"{"last_name": "\u0000"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("last_name") == true, "\(problem)")
        }
    }

    // MARK: POST /v1/contacts/{id}/merge

    @Test(arguments: [
        (#"{}"#, "source_id is required"),
        (#"{"source_id": ""}"#, "source_id is required"),
        (#"{"source_id": "c-1842"}"#, "source_id must be a UUID"),
    ])
    func mergeWithInvalidSourceIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/contacts/\(Self.someID)/merge", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail == detail, "\(problem)")
        }
    }

    @Test func mergeWithMalformedJSONIs400() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/contacts/\(Self.someID)/merge", token: agent, json: #"{"source_id": 42}"#)
            #expect(problem.statusAndCode == "400 bad_request")
        }
    }

    // MARK: GET /v1/merges?contact_id=

    /// The whole query is checked before the contact is looked up: 422 naming the
    /// parameter, whatever the contact.
    @Test(arguments: [
        ("", "contact_id is required"),
        ("?contact_id=", "contact_id is required"),
        ("?limit=10", "contact_id is required"),
        ("?contact_id=c-1842", "contact_id must be a UUID"),
        ("?contact_id=\(someID)&limit=0", "limit must be 1 to 200"),
        ("?contact_id=\(someID)&limit=201", "limit must be 1 to 200"),
        ("?contact_id=\(someID)&limit=all", "limit must be 1 to 200"),
        ("?contact_id=\(someID)&cursor=bm9wZQ", "cursor is not valid"),
    ])
    func listMergesWithInvalidQueryIs422NamingIt(query: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/merges\(query)", token: agent)
            #expect(problem.statusAndCode == "422 invalid_request", "\(query)")
            #expect(problem.detail == detail, "\(problem)")
            #expect(problem.isProblemJSON)
        }
    }

    @Test func listMergesWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/merges?contact_id=%00", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'contact_id'") == true, "\(problem)")
        }
    }

    // MARK: POST /v1/contact-assignments

    @Test(arguments: [
        (#"{}"#, "interaction_id is required"),
        (#"{"interaction_id": "42", "contact_id": "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44"}"#, "interaction_id must be a UUID"),
        (#"{"interaction_id": "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"}"#, "contact_id is required"),
        (#"{"interaction_id": "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33", "contact_id": "c-1"}"#, "contact_id must be a UUID"),
    ])
    func assignmentWithInvalidIdsIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/contact-assignments", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail == detail, "\(problem)")
        }
    }

    @Test func assignmentWithWrongTypeIs400() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(
                .post, "/v1/contact-assignments", token: agent,
                json:
                    #"{"interaction_id": "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33", "contact_id": "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", "add_phone": "yes"}"#
            )
            #expect(problem.statusAndCode == "400 bad_request")
        }
    }

    // MARK: GET /v1/consent/{number}

    @Test(arguments: ["hello", "12", "%2B1415555010"])
    func consentOfSomethingNotAPhoneNumberIs422(number: String) async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/consent/\(number)", token: system)
            #expect(problem.statusAndCode == "422 invalid_request", "\(number)")
            #expect(problem.detail?.hasPrefix("number is not a phone number") == true, "\(problem)")
        }
    }
}
