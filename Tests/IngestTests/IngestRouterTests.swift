import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Ingest

/// Ingest's HTTP API through its real ``Ingest/build(_:)`` (issue #13): every request here
/// is answered before any query, so no PostgreSQL or RabbitMQ is needed. Each case was
/// traced through `InboundRoutes`, `ChannelRoutes` and `WebhookRoutes`: authentication,
/// the role check and the body's JSON come before the acceptor, the channel store or a
/// transaction; a carrier webhook checks the channel name's shape before looking it up.
///
/// Not covered here (they need the database): an inbound message that breaks the rules
/// (422 `invalid_message` comes after the channel's region is looked up), a channel body
/// with invalid values (422 `invalid_channel` comes after the stored channel is read), a
/// webhook for a well-formed channel name (looked up first), signatures and tokens.
@Suite("Ingest routes without I/O")
struct IngestRouterTests {
    let tokens = TestTokens()

    /// A valid `SWITCHBOARD_CREDENTIALS_KEY` (32 bytes, base64), so the cipher is built as in production.
    static let credentialsKey = Data(repeating: 7, count: 32).base64EncodedString()

    /// The bearer-token routes, with a well-formed channel name.
    static let protectedRoutes: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/inbound"),
        (.put, "/v1/channels/main"),
        (.get, "/v1/channels/main"),
        (.delete, "/v1/channels/main"),
        (.post, "/v1/simulator/main/inbound"),
        (.get, "/v1/simulator/main/messages"),
    ]

    static let channelRoutes: [(HTTPRequest.Method, String)] = [
        (.put, "/v1/channels/main"), (.get, "/v1/channels/main"), (.delete, "/v1/channels/main"),
    ]

    /// Every carrier webhook, with `{channel}` left to fill in.
    static let webhookRoutes: [(HTTPRequest.Method, String)] =
        [
            (.post, "/v1/webhooks/twilio/{channel}"),
            (.post, "/v1/webhooks/twilio/{channel}/status"),
        ]
        + [HTTPRequest.Method.get, .post].flatMap { method -> [(HTTPRequest.Method, String)] in
            [
                (method, "/v1/webhooks/vonage/{channel}/inbound"),
                (method, "/v1/webhooks/vonage/{channel}/receipt"),
                (method, "/v1/webhooks/jasmin/{channel}/inbound"),
                (method, "/v1/webhooks/jasmin/{channel}/receipt"),
                (method, "/v1/webhooks/kannel/{channel}/inbound"),
                (method, "/v1/webhooks/kannel/{channel}/receipt"),
            ]
        }

    /// Ingest as its executable builds it, from the test defaults, a valid credentials key
    /// and `environment`.
    private func withRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let variables = ["SWITCHBOARD_CREDENTIALS_KEY": Self.credentialsKey].merging(environment) { _, override in override }
        try await Ingest.withTestRouter(environment: variables, test)
    }

    // MARK: Build-time configuration (no I/O either)

    @Test(arguments: [
        ["SWITCHBOARD_CREDENTIALS_KEY": "not-base64-of-32-bytes"],
        ["SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS": "0"],
    ])
    func buildRefusesAnInvalidIngestVariable(environment: [String: String]) async throws {
        let variable = try #require(environment.keys.first)
        do {
            _ = try await Ingest.build(TestBootstrap.make(service: "ingest", defaultPort: 8081, environment: environment))
            Issue.record("ingest was built with an invalid \(variable)")
        } catch {
            #expect("\(error)".contains(variable), "\(error)")
        }
    }

    @Test func buildWithoutACredentialsKeyStillBuilds() async throws {
        try await Ingest.withTestRouter { client in
            let response = try await client.send(.get, "/health/live")
            #expect(response.status == .ok)
        }
    }

    // MARK: Health, metrics, OpenAPI (ServiceKit's routes on ingest's router)

    @Test(arguments: ServiceEndpoint.allCases)
    func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
        try await withRouter { client in
            try await RouterChecks.expectServiceEndpoint(
                endpoint, client: client, service: "ingest", openAPIMustContain: "/v1/webhooks/kannel/{channel}/inbound:")
        }
    }

    // MARK: Authentication (401) — POST /v1/inbound, PUT/GET/DELETE /v1/channels/{name}

    @Test func noTokenIs401OnEveryBearerRoute() async throws {
        try await withRouter { client in
            try await RouterChecks.expectEveryRouteNeedsAToken(routes: Self.protectedRoutes, client: client)
        }
    }

    @Test(arguments: RefusedCredential.allCases)
    func refusedCredentialIs401OnEveryBearerRoute(credential: RefusedCredential) async throws {
        try await withRouter { client in
            try await RouterChecks.expectRefused(credential: credential, routes: Self.protectedRoutes, client: client, tokens: tokens)
        }
    }

    // MARK: Authorization (403)

    /// `POST /v1/inbound` and the simulator are for systems (and admins); channels for admins only.
    @Test func peopleAre403OnEveryBearerRoute() async throws {
        let agent = try await tokens.agent()
        let supervisor = try await tokens.supervisor()
        try await withRouter { client in
            for token in [agent, supervisor] {
                try await RouterChecks.expectForbidden(routes: Self.protectedRoutes, client: client, token: token)
            }
        }
    }

    @Test func systemTokenIs403OnChannels() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.channelRoutes, client: client, token: system)
        }
    }

    // MARK: POST /v1/inbound

    @Test(arguments: [#"{"from": "+14155550100", "text": "hi""#, "[]", #"{"from": 14155550100}"#, #"{"part": {"ref": "a"}}"#])
    func inboundThatIsNotAnInboundMessageIs400(json: String) async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            let problem = try await client.problem(.post, "/v1/inbound", token: system, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test func inboundWithNULIs422InvalidCharacter() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            let problem = try await client.problem(
                .post, "/v1/inbound", token: system, json: #"{"from": "+14155550100", "to": "+14155550199", "text": "a\u0000b"}"#
            )
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("text") == true, "\(problem)")
        }
    }

    // MARK: PUT /v1/channels/{name}

    @Test(arguments: [#"{"carrier": "twilio""#, "[]", #"{"carrier": 1}"#, #"{"credentials": ["x"]}"#, #"{"allow_unauthenticated_webhooks": "yes"}"#])
    func channelBodyThatIsNotAChannelIs400(json: String) async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.put, "/v1/channels/main", token: admin, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test func channelBodyWithNULIs422InvalidCharacter() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(
                .put, "/v1/channels/main", token: admin, json: #"{"carrier": "jasmin", "credentials": {"url_token": "a\u0000"}}"#
            )
            #expect(problem.statusAndCode == "422 invalid_character")
        }
    }

    @Test func channelBodyOverTheLimitIs413() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let token = String(repeating: "x", count: 70 << 10)
            let problem = try await client.problem(
                .put, "/v1/channels/main", token: admin, json: #"{"carrier": "jasmin", "credentials": {"url_token": "\#(token)"}}"#
            )
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    // MARK: Carrier webhooks: a channel name that cannot be a channel's is 404 before any look-up

    @Test(arguments: ["bad%20name", "bad!name", String(repeating: "x", count: 65)])
    func webhookForAnImpossibleChannelNameIs404(channel: String) async throws {
        try await withRouter { client in
            for (method, template) in Self.webhookRoutes {
                let path = template.replacingOccurrences(of: "{channel}", with: channel)
                let problem = try await client.problem(method, path, headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(problem.statusAndCode == "404 not_found", "\(method.rawValue) \(path)")
                #expect(problem.isProblemJSON, "\(method.rawValue) \(path)")
            }
        }
    }

    /// Carriers send binary fields percent-encoded in the query (Kannel's `udh`): the NUL
    /// rule does not apply to webhook queries, so this reaches the route (404 here, from the
    /// channel name) instead of being refused with 422.
    @Test func webhookQueryMayCarryAnEncodedNUL() async throws {
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/webhooks/kannel/bad%20name/inbound?udh=%05%00%03%2A%03%01&text=hi")
            #expect(problem.statusAndCode == "404 not_found")
        }
    }

    @Test func nulInAWebhookPathIs422InvalidCharacter() async throws {
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/webhooks/kannel/ma%00in/inbound")
            #expect(problem.statusAndCode == "422 invalid_character")
        }
    }

    @Test func nulInABearerRouteQueryIs422InvalidCharacter() async throws {
        let admin = try await tokens.admin()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/channels/main?verbose=%00", token: admin)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'verbose'") == true, "\(problem)")
        }
    }
}
