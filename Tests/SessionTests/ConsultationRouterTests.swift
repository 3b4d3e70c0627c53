import Foundation
import HTTPTypes
import HummingbirdTesting
import SwitchboardTestSupport
import Testing

@testable import Session

/// The consultation routes through session's real ``Session/build(_:)`` (docs/architecture.md
/// section 10.3), for every refusal that comes before any query, so no PostgreSQL or RabbitMQ
/// is needed: the token (401), the role (403: only agents invite, and `system` tokens use no
/// interaction route), an id that is not a UUID (404, like an unknown one), the body (400,
/// 413) and its rules (422 naming `agent_id` or `text`, NUL characters).
///
/// Not covered here (they need the database): who may see the interaction or the
/// consultation (404), `not_owner` and `not_in_consultation` (403), the 409s; all of them are
/// in test_e2e_consultation.py and the authorization matrix.
@Suite("Consultation routes without I/O")
struct ConsultationRouterTests {
    let tokens = TestTokens()
    static let someID = "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"
    static let invite = "/v1/interactions/\(someID)/consultations"

    static let routes: [(HTTPRequest.Method, String)] = [
        (.post, invite),
        (.get, invite),
        (.get, "/v1/consultations/\(someID)"),
        (.post, "/v1/consultations/\(someID)/messages"),
        (.post, "/v1/consultations/\(someID)/end"),
    ]

    private func withRouter(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Session.withTestRouter(environment: [:], test)
    }

    // MARK: 401, 403

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

    @Test func systemTokenIs403() async throws {
        let system = try await tokens.system()
        try await withRouter { client in
            try await RouterChecks.expectForbidden(routes: Self.routes, client: client, token: system, json: #"{"agent_id": "bob"}"#)
        }
    }

    /// A supervisor or an admin cannot invite on an agent's behalf, whatever the body: 403
    /// `forbidden` before the interaction is looked at.
    @Test func supervisorsAndAdminsDoNotInvite() async throws {
        let supervisor = try await tokens.supervisor()
        let admin = try await tokens.admin()
        try await withRouter { client in
            for token in [supervisor, admin] {
                try await RouterChecks.expectForbidden(routes: [(.post, Self.invite)], client: client, token: token, json: #"{"agent_id": "bob"}"#)
                try await RouterChecks.expectForbidden(routes: [(.post, Self.invite)], client: client, token: token, json: "{}")
            }
        }
    }

    // MARK: 404: an id that is not a UUID

    @Test func idsThatAreNotUUIDsAre404() async throws {
        let agent = try await tokens.agent()
        let supervisor = try await tokens.supervisor()
        try await withRouter { client in
            try await RouterChecks.expectNotFound(
                requests: [
                    (.post, "/v1/interactions/not-a-uuid/consultations", #"{"agent_id": "bob"}"#),
                    (.get, "/v1/interactions/not-a-uuid/consultations", nil),
                    (.get, "/v1/consultations/not-a-uuid", nil),
                    (.post, "/v1/consultations/not-a-uuid/messages", #"{"text": "Hi"}"#),
                    (.post, "/v1/consultations/not-a-uuid/end", nil),
                ], client: client, token: agent)
            try await RouterChecks.expectNotFound(
                requests: [(.get, "/v1/consultations/42", nil), (.post, "/v1/consultations/42/end", nil)], client: client, token: supervisor)
            let problem = try await client.problem(.get, "/v1/consultations/not-a-uuid", token: agent)
            #expect(problem.detail?.hasPrefix("The consultation") == true, "\(problem)")
        }
    }

    // MARK: 422: the invitation's agent_id

    @Test(arguments: [
        ("{}", "agent_id is required"),
        (#"{"agent_id": null}"#, "agent_id is required"),
        (#"{"agent_id": ""}"#, "agent_id is required"),
        (#"{"agent_id": "two words"}"#, "agent_id must be"),
        (#"{"agent_id": "\#(String(repeating: "b", count: 65))"}"#, "agent_id must be"),
        (#"{"agent_id": "kate"}"#, "agent_id is the caller"),
    ])
    func invitationWithoutAValidOtherAgentIs422(json: String, detail: String) async throws {
        let kate = try await tokens.agent("kate")
        try await withRouter { client in
            let problem = try await client.problem(.post, Self.invite, token: kate, json: json)
            #expect(problem.statusAndCode == "422 invalid_request", "\(json.prefix(40))")
            #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
            #expect(problem.isProblemJSON)
        }
    }

    @Test(arguments: [#"{"agent_id": 5}"#, #"{"agent_id": "bob""#, "[]"])
    func invitationThatIsNotABodyIs400(json: String) async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, Self.invite, token: agent, json: json)
            #expect(problem.statusAndCode == "400 bad_request", "\(json)")
        }
    }

    @Test func invitationWithNULIs422InvalidCharacter() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(.post, Self.invite, token: agent, json: #"{"agent_id": "bob\u0000"}"#)
            #expect(problem.statusAndCode == "422 invalid_character")
            #expect(problem.detail?.hasPrefix("agent_id") == true, "\(problem)")
        }
    }

    // MARK: 422: an internal message's text

    static let messages = "/v1/consultations/\(someID)/messages"

    @Test(arguments: [
        ("{}", "text is required"),
        (#"{"text": "   \n "}"#, "text is required"),
        (#"{"text": "\#(String(repeating: "a", count: 4001))"}"#, "text is longer than 4000 characters"),
    ])
    func messageWithoutAValidTextIs422(json: String, detail: String) async throws {
        let agent = try await tokens.agent()
        let supervisor = try await tokens.supervisor()
        try await withRouter { client in
            for token in [agent, supervisor] {
                let problem = try await client.problem(.post, Self.messages, token: token, json: json)
                #expect(problem.statusAndCode == "422 invalid_request", "\(json.prefix(40))")
                #expect(problem.detail?.hasPrefix(detail) == true, "\(problem)")
            }
        }
    }

    @Test func messageThatIsNotABodyIs400AndNULIs422() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let malformed = try await client.problem(.post, Self.messages, token: agent, json: #"{"text": ["a"]}"#)
            #expect(malformed.statusAndCode == "400 bad_request")
            let nul = try await client.problem(.post, Self.messages, token: agent, json: #"{"text": "Hi\u0000"}"#)
            #expect(nul.statusAndCode == "422 invalid_character")
            #expect(nul.detail?.hasPrefix("text") == true, "\(nul)")
        }
    }

    @Test func messageOverTheBodyLimitIs413() async throws {
        let agent = try await tokens.agent()
        try await withRouter { client in
            let problem = try await client.problem(
                .post, Self.messages, token: agent, json: #"{"text": "\#(String(repeating: "a", count: 70 << 10))"}"#)
            #expect(problem.statusAndCode == "413 body_too_large")
        }
    }

    /// The document the service serves lists the new operations (the gateway and the fuzzer
    /// read it from there).
    @Test func openAPIDocumentListsTheConsultationOperations() async throws {
        try await withRouter { client in
            let response = try await client.send(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            for operation in ["inviteToConsultation:", "listConsultations:", "getConsultation:", "postConsultationMessage:", "endConsultation:"] {
                #expect(response.text.contains("operationId: \(operation.dropLast())"), "\(operation)")
            }
        }
    }
}
