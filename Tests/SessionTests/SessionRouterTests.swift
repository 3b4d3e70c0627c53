import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Session

/// Session's HTTP API through its real ``Session/build(_:)`` (issue #13): every request
/// here is answered before any query, so no PostgreSQL or RabbitMQ is needed. Each case
/// was traced through `InteractionRoutes`, `SettingsRoutes` and `StandardResponseRoutes`:
/// authentication, the role check, the path id or number, the body and its validation
/// come before `transactions`, `store`, `settings` or `client`. Two routes answer without
/// any I/O at all, and are checked with their success: `GET /v1/dispositions` and
/// `POST /v1/sms/preview`, both configured from the bootstrap's environment.
///
/// `POST /v1/interactions` (issue #14) validates its whole body before any query, so its
/// 422s are all here; its 201 and 409s are in the integration and end-to-end tests.
///
/// Not covered here (they need the database): a valid request to the interaction,
/// number-settings and standard-response routes; who may see an interaction (404 after the
/// lookup); `empty_reply`, `reply_too_long`, `unknown_disposition`, `not_owner`, 409s; a
/// `PUT /v1/numbers/{e164}` body with out-of-range values (checked after the stored
/// settings are read); `shortcut_taken`.
@Suite("Session routes without I/O")
struct SessionRouterTests {
    let tokens = TestTokens()
    static let someID = "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"
    static let number = "%2B14155550100"

    /// The interaction routes: agents, supervisors and admins.
    static let interactionRoutes: [(HTTPRequest.Method, String)] = [
        (.get, "/v1/interactions"),
        (.post, "/v1/interactions"),
        (.get, "/v1/interactions/\(someID)"),
        (.post, "/v1/interactions/\(someID)/messages"),
        (.post, "/v1/interactions/\(someID)/done"),
        (.put, "/v1/interactions/\(someID)/disposition"),
        (.put, "/v1/interactions/\(someID)/note"),
        (.patch, "/v1/interactions/\(someID)/case-data"),
    ]

    /// The standard-response routes only admins may use.
    static let standardResponseAdminRoutes: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/standard-responses"),
        (.put, "/v1/standard-responses/\(someID)"),
        (.delete, "/v1/standard-responses/\(someID)"),
    ]

    /// Every route that needs a caller, with well-formed ids and numbers.
    static let protectedRoutes: [(HTTPRequest.Method, String)] =
        interactionRoutes + standardResponseAdminRoutes + [
            (.get, "/v1/numbers/\(number)"),
            (.put, "/v1/numbers/\(number)"),
            (.get, "/v1/dispositions"),
            (.post, "/v1/sms/preview"),
            (.get, "/v1/standard-responses"),
            (.get, "/v1/standard-responses/\(someID)"),
        ]

    /// Session as its executable builds it, from the test defaults plus `environment`.
    private func withRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Session.withTestRouter(environment: environment, test)
    }

    // MARK: Build-time configuration (no I/O either)

    @Test(arguments: [
        ("SWITCHBOARD_SMS_MAX_PARTS", "0"),
        ("SWITCHBOARD_DEFAULT_MODE", "chat"),
        ("SWITCHBOARD_DISPOSITION_CODES", "sale"),
        ("SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS", "5"),
        ("SWITCHBOARD_DEFAULT_QUEUE", "two words"),
        ("SWITCHBOARD_SPELLCHECK_LANGUAGES", "xx_XX"),
    ])
    func buildRefusesAnInvalidSessionVariable(variable: String, value: String) async throws {
        do {
            _ = try await Session.build(TestBootstrap.make(service: "session", defaultPort: 8082, environment: [variable: value]))
            Issue.record("session was built with \(variable)=\(value)")
        } catch {
            #expect("\(error)".contains(variable), "\(error)")
        }
    }

    // MARK: Health, metrics, OpenAPI (ServiceKit's routes on session's router)

    @Test(arguments: ServiceEndpoint.allCases)
    func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
        try await withRouter { client in
            try await RouterChecks.expectServiceEndpoint(
                endpoint, client: client, service: "session", openAPIMustContain: "/v1/interactions/{id}/case-data:")
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

    @Test func systemTokenIs403OnInteractionRoutes() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.interactionRoutes, client: client, token: system)
        }
    }

    /// Number settings: supervisors and admins read them, only admins change them.
    @Test func numberSettingsRefuseTheWrongRoles() async throws {
        let agent = try await tokens.agent()
        let supervisor = try await tokens.supervisor()
        let system = try await tokens.system()
        try await withRouter { client in
            for token in [agent, system] {
                try await RouterChecks.expectForbidden(routes: [(.get, "/v1/numbers/\(Self.number)")], client: client, token: token)
            }
            for token in [agent, supervisor, system] {
                try await RouterChecks.expectForbidden(
                    routes: [(.put, "/v1/numbers/\(Self.number)")], client: client, token: token, json: #"{"queue": "sales"}"#)
            }
        }
    }

    @Test func standardResponsesAreChangedByAdminsOnly() async throws {
        let agent = try await tokens.agent()
        let supervisor = try await tokens.supervisor()
        let system = try await tokens.system()
        try await withRouter { client in
            for token in [agent, supervisor, system] {
                try await RouterChecks.expectForbidden(
                    routes: Self.standardResponseAdminRoutes, client: client, token: token, json: #"{"name": "Hi", "text": "Hello"}"#)
            }
        }
    }

    // MARK: GET /v1/dispositions and POST /v1/sms/preview: answered without any I/O

    struct DispositionList: Decodable {
        struct Code: Decodable, Equatable {
            var code: String
            var label: String
        }

        var items: [Code]
    }

    /// Any valid token may list the codes configured in `SWITCHBOARD_DISPOSITION_CODES`.
    @Test func dispositionsAreTheConfiguredCodes() async throws {
        let system = try await tokens.system()
        let agent = try await tokens.agent()
        try await withRouter(environment: ["SWITCHBOARD_DISPOSITION_CODES": "sale=Sale made; no_sale=No sale"]) { client in
            for token in [agent, system] {
                let response = try await client.send(.get, "/v1/dispositions", token: token)
                #expect(response.status == .ok)
                let list = try JSONDecoder().decode(DispositionList.self, from: Data(response.text.utf8))
                #expect(list.items == [.init(code: "sale", label: "Sale made"), .init(code: "no_sale", label: "No sale")])
            }
        }
    }

    struct Preview: Decodable {
        struct Misspelled: Decodable, Equatable {
            var word: String
            var offset: Int
            var length: Int
            var suggestions: [String]
        }

        var encoding: String
        var parts: [String]
        var charactersRemaining: Int
        var maxParts: Int
        var tooLong: Bool
        var misspelled: [Misspelled]
    }

    private static func preview(_ response: TestResponse) throws -> Preview {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Preview.self, from: Data(response.text.utf8))
    }

    /// `max_parts` and `too_long` follow `SWITCHBOARD_SMS_MAX_PARTS` from the bootstrap.
    @Test func smsPreviewSegmentsWithTheConfiguredMaximum() async throws {
        let agent = try await tokens.agent()
        try await withRouter(environment: ["SWITCHBOARD_SMS_MAX_PARTS": "3"]) { client in
            let short = try await client.send(.post, "/v1/sms/preview", token: agent, json: #"{"text": "Your appointment is at 10:30 tomorrow."}"#)
            #expect(short.status == .ok)
            let one = try Self.preview(short)
            #expect(one.encoding == "gsm7")
            #expect(one.parts == ["Your appointment is at 10:30 tomorrow."])
            #expect(one.charactersRemaining == 122)
            #expect(one.maxParts == 3)
            #expect(!one.tooLong)

            let long = try await client.send(.post, "/v1/sms/preview", token: agent, json: #"{"text": "\#(String(repeating: "a", count: 500))"}"#)
            let four = try Self.preview(long)
            #expect(four.parts.count == 4)
            #expect(four.tooLong)

            let unicode = try await client.send(.post, "/v1/sms/preview", token: agent, json: #"{"text": "Merci 🙂"}"#)
            #expect(try Self.preview(unicode).encoding == "ucs2")

            let empty = try await client.send(.post, "/v1/sms/preview", token: agent, json: "{}")
            let none = try Self.preview(empty)
            #expect(none.parts.isEmpty)
            #expect(none.charactersRemaining == 160)
            #expect(none.misspelled.isEmpty)
            #expect(one.misspelled.isEmpty)
        }
    }

    /// `misspelled`: the words the default dictionary (`en_US`) does not know, with UTF-16
    /// offsets; nothing with spell checking turned off (`SWITCHBOARD_SPELLCHECK_LANGUAGES=`).
    @Test func smsPreviewFlagsMisspelledWords() async throws {
        let agent = try await tokens.agent()
        let text = #"{"text": "Helo, I recieved my parcel, see https://exmaple.com"}"#
        try await withRouter { client in
            let preview = try Self.preview(try await client.send(.post, "/v1/sms/preview", token: agent, json: text))
            #expect(preview.misspelled.map(\.word) == ["Helo", "recieved"])
            #expect(preview.misspelled.map(\.offset) == [0, 8])
            #expect(preview.misspelled.map(\.length) == [4, 8])
            #expect(preview.misspelled.last?.suggestions.contains("received") == true)
        }
        try await withRouter(environment: ["SWITCHBOARD_SPELLCHECK_LANGUAGES": ""]) { client in
            let preview = try Self.preview(try await client.send(.post, "/v1/sms/preview", token: agent, json: text))
            #expect(preview.misspelled.isEmpty)
        }
    }

    @Test func smsPreviewOfSomethingElseThanTextIs400() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            let malformed = try await client.problem(.post, "/v1/sms/preview", token: system, json: #"{"text": "hi""#)
            #expect(malformed.statusAndCode == "400 bad_request")
            let number = try await client.problem(.post, "/v1/sms/preview", token: system, json: #"{"text": 42}"#)
            #expect(number.statusAndCode == "400 bad_request")
            let nul = try await client.problem(.post, "/v1/sms/preview", token: system, json: #"{"text": "a\u0000"}"#)
            #expect(nul.statusAndCode == "422 invalid_character")
        }
    }

    // MARK: GET /v1/interactions

    @Test(arguments: [
        "state=bogus", "limit=0", "limit=201", "created_after=yesterday", "created_before=2026-13-01", "cursor=bm9wZQ", "from=hello",
        "to=%2B1415",
    ])
    func listWithInvalidQueryIs422(query: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/interactions?\(query)", token: agent)
            #expect(problem.statusAndCode == "422 invalid_request", "\(query)")
            #expect(problem.isProblemJSON)
        }
    }

    @Test func nulInTheQueryIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/interactions?owner=me&contact_id=c%00", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'contact_id'") == true, "\(problem)")
        }
    }

    // MARK: /v1/interactions/{id}: an id that is not a UUID is 404, like an unknown one

    @Test func interactionIdThatIsNotAUUIDIs404OnEveryRoute() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            try await RouterChecks.expectNotFound(
                requests: [
                    (.get, "/v1/interactions/not-a-uuid", nil),
                    (.post, "/v1/interactions/not-a-uuid/messages", #"{"text": "Hello"}"#),
                    (.post, "/v1/interactions/not-a-uuid/done", nil),
                    (.put, "/v1/interactions/not-a-uuid/disposition", #"{"code": "resolved"}"#),
                    (.put, "/v1/interactions/not-a-uuid/note", #"{"text": "called back"}"#),
                    (.patch, "/v1/interactions/not-a-uuid/case-data", #"{"order": "A-1"}"#),
                ], client: client, token: agent)
        }
    }

    // MARK: POST /v1/interactions/{id}/messages

    @Test func replyNamingAStandardResponseThatIsNotAUUIDIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(
                .post, "/v1/interactions/\(Self.someID)/messages", token: agent, json: #"{"standard_response_id": "greeting"}"#
            )
            #expect(problem.statusAndCode == "422 unknown_standard_response")
        }
    }

    @Test(arguments: [#"{"text": "Hello""#, #"{"text": 5}"#, "[]"])
    func replyThatIsNotAReplyIs400(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/interactions/\(Self.someID)/messages", token: agent, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test func replyWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/interactions/\(Self.someID)/messages", token: agent, json: #"{"text": "Hi\u0000"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("text") == true, "\(problem)")
        }
    }

    @Test func replyOverTheBodyLimitIs413() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let text = String(repeating: "a", count: 70 << 10)
            let problem = try await client.problem(.post, "/v1/interactions/\(Self.someID)/messages", token: agent, json: #"{"text": "\#(text)"}"#)
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    // MARK: POST /v1/interactions (an agent texts a customer first)

    static let outboundURI = "/v1/interactions"

    @Test(arguments: [
        (#"{"from": "+14155550199", "text": "Hello"}"#, "422 invalid_request", "to is required"),
        (#"{"to": "hello", "from": "+14155550199", "text": "Hello"}"#, "422 invalid_request", "to is not a phone number"),
        (#"{"to": "(415) 555-0100", "text": "Hello"}"#, "422 invalid_request", "from is required"),
        (#"{"to": "(415) 555-0100", "from": "0", "text": "Hello"}"#, "422 invalid_request", "from is not a phone number or short code"),
        (#"{"to": "(415) 555-0100", "from": "+14155550199"}"#, "422 empty_reply", "text is empty"),
        (#"{"to": "(415) 555-0100", "from": "+14155550199", "text": "  \n "}"#, "422 empty_reply", "text is empty"),
        (
            #"{"to": "(415) 555-0100", "from": "+14155550199", "text": "\#(String(repeating: "a", count: 154 * 3))"}"#, "422 reply_too_long",
            "text needs 4 SMS parts; at most 3"
        ),
        (#"{"to": "(415) 555-0100", "from": "+14155550199", "text": "Hello", "channel": "a b"}"#, "422 invalid_request", "channel must be"),
    ])
    func openingWithAnInvalidFieldIs422NamingIt(json: String, statusAndCode: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter(environment: ["SWITCHBOARD_SMS_MAX_PARTS": "3"]) { client in
            let problem = try await client.problem(.post, Self.outboundURI, token: agent, json: json)
            #expect(problem.statusAndCode == statusAndCode, "\(json.prefix(60))")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
            #expect(problem.isProblemJSON)
        }
    }

    /// Supervisors and admins open interactions too (they own what they open), like replying;
    /// their requests are refused the same way.
    @Test func supervisorsAndAdminsAreValidatedLikeAgents() async throws {
        let supervisor = try await tokens.supervisor()
        let admin = try await tokens.admin()
        try await withRouter { client in
            for token in [supervisor, admin] {
                let problem = try await client.problem(
                    .post, Self.outboundURI, token: token, json: #"{"to": "+14155550100", "from": "+14155550199"}"#)
                #expect(problem.statusAndCode == "422 empty_reply")
            }
        }
    }

    @Test(arguments: [#"{"to": "+14155550100""#, #"{"to": 14155550100, "from": "+14155550199", "text": "Hi"}"#, "[]"])
    func openingWithSomethingElseThanABodyIs400(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, Self.outboundURI, token: agent, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test func openingWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(
                .post, Self.outboundURI, token: agent, json: #"{"to": "+14155550100", "from": "+14155550199", "text": "Hi\u0000"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("text") == true, "\(problem)")
        }
    }

    @Test func openingOverTheBodyLimitIs413() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let text = String(repeating: "a", count: 70 << 10)
            let problem = try await client.problem(
                .post, Self.outboundURI, token: agent, json: #"{"to": "+14155550100", "from": "+14155550199", "text": "\#(text)"}"#)
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    // MARK: PUT /v1/interactions/{id}/disposition and /note

    @Test(arguments: [#"{}"#, #"{"code": ""}"#, #"{"code": null}"#])
    func dispositionWithoutCodeIs422(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/interactions/\(Self.someID)/disposition", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json)")
            #expect(problem.detail == "code is required")
        }
    }

    @Test func noteWithoutTextIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/interactions/\(Self.someID)/note", token: agent, json: "{}")
            #expect(problem.statusAndCode == "422 invalid_request")
            #expect(problem.detail?.hasPrefix("text is required") == true, "\(problem)")
            let malformed = try await client.problem(.put, "/v1/interactions/\(Self.someID)/note", token: agent, json: #"{"text": ["a"]}"#)
            #expect(malformed.statusAndCode == "400 bad_request")
        }
    }

    // MARK: PATCH /v1/interactions/{id}/case-data

    @Test(arguments: [
        ("[1]", "case data patch must be a JSON object"),
        ("not json", "case data patch must be a JSON object"),
        (#"{"order": 1}"#, "case data value of order must be a string or null"),
        (#"{"": "x"}"#, "case data keys must be"),
        (#"{"order": "\#(String(repeating: "x", count: 1025))"}"#, "case data value of order is longer than"),
    ])
    func caseDataPatchThatBreaksTheRulesIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/interactions/\(Self.someID)/case-data", token: agent, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json.prefix(40))")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test func caseDataWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.patch, "/v1/interactions/\(Self.someID)/case-data", token: agent, json: #"{"order": "A\u0000"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("order") == true, "\(problem)")
        }
    }

    // MARK: GET/PUT /v1/numbers/{e164}

    @Test(arguments: ["hello", "%2B1415", "0"])
    func numberThatIsNotANumberIs422(number: String) async throws {
        let supervisor = try await tokens.supervisor()
        let admin = try await tokens.admin()
        try await withRouter { client in
            let read = try await client.problem(.get, "/v1/numbers/\(number)", token: supervisor)
            #expect(read.statusAndCode == "422 invalid_request", "\(number)")
            #expect(read.detail?.hasPrefix("not a phone number or short code") == true, "\(read)")
            let change = try await client.problem(.put, "/v1/numbers/\(number)", token: admin, json: #"{"queue": "sales"}"#)
            #expect(change.statusAndCode == "422 invalid_request", "\(number)")
        }
    }

    @Test(arguments: [#"{"queue": "sales""#, #"{"mode": "chat"}"#, #"{"inactivity_timeout_seconds": "soon"}"#, #"{"disposition_required": "yes"}"#])
    func numberSettingsThatAreNotSettingsAre400(json: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/numbers/\(Self.number)", token: admin, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    // MARK: Standard responses

    @Test func standardResponseIdThatIsNotAUUIDIs404() async throws {
        let agent = try await tokens.agent()
        let admin = try await tokens.admin()
        try await withRouter { client in
            let read = try await client.problem(.get, "/v1/standard-responses/not-a-uuid", token: agent)
            #expect(read.statusAndCode == "404 not_found")
            let change = try await client.problem(
                .put, "/v1/standard-responses/not-a-uuid", token: admin, json: #"{"name": "Greeting", "text": "Hello!"}"#
            )
            #expect(change.statusAndCode == "404 not_found")
            let delete = try await client.problem(.delete, "/v1/standard-responses/not-a-uuid", token: admin)
            #expect(delete.statusAndCode == "404 not_found")
        }
    }

    @Test(arguments: [
        (#"{}"#, "name is required"),
        (#"{"name": "   ", "text": "Hello"}"#, "name is required"),
        (#"{"name": "\#(String(repeating: "n", count: 201))", "text": "Hello"}"#, "name is required"),
        (#"{"name": "Greeting"}"#, "text is required"),
        (#"{"name": "Greeting", "text": ""}"#, "text is required"),
        (#"{"name": "Greeting", "text": "\#(String(repeating: "t", count: 2001))"}"#, "text is required"),
        (#"{"name": "Greeting", "text": "Hello", "shortcut": "two words"}"#, "shortcut must be one word"),
        (#"{"name": "Greeting", "text": "Hello", "shortcut": "\#(String(repeating: "s", count: 33))"}"#, "shortcut must be one word"),
    ])
    func standardResponseThatBreaksTheRulesIs422(json: String, detail: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let create = try await client.problem(.post, "/v1/standard-responses", token: admin, json: json)
            #expect(create.statusAndCode == "422 invalid_request", "\(json.prefix(60))")
            #expect(create.detail?.hasPrefix(detail) == true, "\(create)")
            let change = try await client.problem(.put, "/v1/standard-responses/\(Self.someID)", token: admin, json: json)
            #expect(change.statusAndCode == "422 invalid_request", "\(json.prefix(60))")
        }
    }

    @Test func standardResponseThatIsNotJSONIs400() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/standard-responses", token: admin, json: "name=Greeting")
            #expect(problem.statusAndCode == "400 bad_request")
        }
    }
}
