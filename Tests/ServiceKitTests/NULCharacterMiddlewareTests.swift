import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationEssentialsCompat
import Testing

@testable import SwitchboardServiceKit

@Suite("NUL characters in requests")
struct NULCharacterMiddlewareTests {
    private struct Echo: Decodable { var text: String }

    private func application() -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: NULCharacterMiddleware())
        router.get("/v1/things/:id") { _, context in context.parameters.get("id") ?? "" }
        router.get("/v1/webhooks/kannel/:channel/inbound") { _, _ in "ok" }
        router.post("/v1/things") { request, _ in try await JSONBody.decode(Echo.self, from: request).text }
        return Application(router: router)
    }

    private func problem(_ response: TestResponse) throws -> [String: Any] {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try #require(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func queryParameterWithNULIs422NamingIt() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/things/1?q=ok&owner=a%00b", method: .get) { response in
                #expect(response.status == .unprocessableContent)
                let body = try problem(response)
                #expect(body["code"] as? String == "invalid_character")
                #expect((body["detail"] as? String)?.contains("'owner'") == true)
            }
        }
    }

    @Test func pathWithNULIs422() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/things/a%00", method: .get) { response in
                #expect(response.status == .unprocessableContent)
                let body = try problem(response)
                #expect(body["code"] as? String == "invalid_character")
            }
        }
    }

    @Test func jsonBodyWithNULIs422NamingTheField() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/things", method: .post, body: ByteBuffer(string: #"{"text":"hi\u0000"}"#)) { response in
                #expect(response.status == .unprocessableContent)
                let body = try problem(response)
                #expect(body["code"] as? String == "invalid_character")
                #expect((body["detail"] as? String)?.hasPrefix("text contains a NUL") == true)
            }
        }
    }

    @Test func carrierWebhooksMayCarryBinaryQueryFields() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/webhooks/kannel/main/inbound?udh=%05%00%03%2A%03%01&text=hi", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func ordinaryRequestsPass() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/things/x%2B1?q=%2B1415", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/things", method: .post, body: ByteBuffer(string: #"{"text":"hi"}"#)) { response in
                #expect(String(buffer: response.body) == "hi")
            }
        }
    }
}
