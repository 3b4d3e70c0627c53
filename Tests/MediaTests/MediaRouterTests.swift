import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardServiceKit
import SwitchboardTestSupport
import Testing

@testable import Media

/// Media's HTTP API through its real ``Media/build(_:)`` (issue #13): every request here is
/// answered before any query, so no PostgreSQL or RabbitMQ is needed. Each case was traced
/// through `MediaRoutes`: the role check, `interaction_id` and the item id's shape come
/// before `store` or `client`.
///
/// Media's build needs a writable content store (created and probed at build time) and
/// libvips: each test gets a temporary directory as `SWITCHBOARD_MEDIA_STORE_PATH`.
///
/// Not covered here (they need the database): a well-formed id or interaction (who may see
/// it is decided after the lookup), `no_thumbnail`, `?download=1`'s 403 without
/// `media.save` (checked after the item is found), byte ranges and ETags.
@Suite("Media routes without I/O")
struct MediaRouterTests {
    let tokens = TestTokens()
    static let someID = "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44"

    /// Every route, with a well-formed id (all need a caller).
    static let protectedRoutes: [(HTTPRequest.Method, String)] = [
        (.get, "/v1/media?interaction_id=\(someID)"),
        (.get, "/v1/media/\(someID)"),
        (.get, "/v1/media/\(someID)/thumbnail"),
        (.get, "/v1/media/\(someID)/content"),
    ]

    /// Media as its executable builds it, from the test defaults, a fresh content store and
    /// `environment`; the store is removed afterwards.
    private func withRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let store = try TestBootstrap.temporaryDirectory(prefix: "switchboard-media-router-tests")
        defer { try? FileManager.default.removeItem(at: store) }
        let variables = ["SWITCHBOARD_MEDIA_STORE_PATH": store.path].merging(environment) { _, override in override }
        try await Media.withTestRouter(environment: variables, test)
    }

    // MARK: Build-time configuration (the filesystem, no network)

    /// The store named by the bootstrap's environment is created, with its `tmp` directory.
    @Test func buildCreatesTheConfiguredContentStore() async throws {
        let parent = try TestBootstrap.temporaryDirectory(prefix: "switchboard-media-router-tests")
        defer { try? FileManager.default.removeItem(at: parent) }
        let store = parent.appendingPathComponent("store", isDirectory: true)
        _ = try await Media.build(
            TestBootstrap.make(
                service: "media", defaultPort: 8086, environment: ["SWITCHBOARD_MEDIA_STORE_PATH": store.path]
            ))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("tmp").path, isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
    }

    @Test func buildRefusesAStorePathThatIsAFile() async throws {
        let parent = try TestBootstrap.temporaryDirectory(prefix: "switchboard-media-router-tests")
        defer { try? FileManager.default.removeItem(at: parent) }
        let file = parent.appendingPathComponent("not-a-directory")
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8)))
        do {
            _ = try await Media.build(
                TestBootstrap.make(
                    service: "media", defaultPort: 8086, environment: ["SWITCHBOARD_MEDIA_STORE_PATH": file.path]
                ))
            Issue.record("media was built on a store path that is a file")
        } catch {
            #expect("\(error)".contains("SWITCHBOARD_MEDIA_STORE_PATH"), "\(error)")
        }
    }

    @Test(arguments: [
        ("SWITCHBOARD_MEDIA_THUMBNAIL_FORMAT", "gif"),
        ("SWITCHBOARD_MEDIA_MAX_BYTES", "10"),
        ("SWITCHBOARD_MEDIA_ALLOWED_HOSTS", "not a host!"),
        ("SWITCHBOARD_MEDIA_CREDENTIALS", "{not json"),
    ])
    func buildRefusesAnInvalidMediaVariable(variable: String, value: String) async throws {
        let parent = try TestBootstrap.temporaryDirectory(prefix: "switchboard-media-router-tests")
        defer { try? FileManager.default.removeItem(at: parent) }
        do {
            _ = try await Media.build(
                TestBootstrap.make(
                    service: "media", defaultPort: 8086, environment: ["SWITCHBOARD_MEDIA_STORE_PATH": parent.path, variable: value]
                ))
            Issue.record("media was built with \(variable)=\(value)")
        } catch {
            #expect("\(error)".contains(variable), "\(error)")
        }
    }

    // MARK: Health, metrics, OpenAPI (ServiceKit's routes on media's router)

    @Test(arguments: ServiceEndpoint.allCases)
    func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
        try await withRouter { client in
            try await RouterChecks.expectServiceEndpoint(endpoint, client: client, service: "media", openAPIMustContain: "/v1/media/{id}/content:")
        }
    }

    // MARK: Authentication (401) and authorization (403) — every route

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

    /// Media is for people: a system token is 403 even with `media.save`.
    @Test func systemTokenIs403OnEveryRoute() async throws {
        let system = try await tokens.token(sub: "crm", name: nil, roles: [.system], perms: ["media.save"])
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.protectedRoutes, client: client, token: system)
        }
    }

    // MARK: GET /v1/media?interaction_id=

    @Test(arguments: [
        ("/v1/media", "interaction_id is required"),
        ("/v1/media?interaction_id=", "interaction_id is required"),
        ("/v1/media?interaction=\(MediaRouterTests.someID)", "interaction_id is required"),
        ("/v1/media?interaction_id=42", "interaction_id must be a UUID"),
    ])
    func listWithoutAUsableInteractionIs422(uri: String, detail: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, uri, token: agent)
            #expect(problem.statusAndCode == "422 invalid_request", "\(uri)")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
        }
    }

    @Test func nulInTheQueryIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/media?interaction_id=%00", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.contains("'interaction_id'") == true, "\(problem)")
        }
    }

    // MARK: /v1/media/{id}: an id that is not a UUID is 404, like an unknown one

    @Test(arguments: [
        "/v1/media/not-a-uuid", "/v1/media/not-a-uuid/thumbnail", "/v1/media/not-a-uuid/content",
        "/v1/media/not-a-uuid/content?download=1",
    ])
    func idThatIsNotAUUIDIs404(uri: String) async throws {
        let agent = try await tokens.agent(perms: ["media.save"])
        try await withRouter { client in
            let problem = try await client.problem(.get, uri, token: agent)
            #expect(problem.statusAndCode == "404 not_found", "\(uri)")
            #expect(problem.isProblemJSON)
        }
    }

    @Test func nulInThePathIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.get, "/v1/media/%00/content", token: agent)
            #expect(problem.statusAndCode == "422 invalid_character")
        }
    }
}
