import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// Standard responses: administrators manage them; every agent searches them by words or
/// by shortcut keyword. Use counts grow with replies that name them.
struct StandardResponseRoutes: Sendable {
    let store: StandardResponseStore
    let client: PostgresClient
    let logger: Logger

    struct Body: Decodable, Sendable {
        var name: String?
        var shortcut: String?
        var text: String?
    }

    struct List: Encodable, Sendable {
        var items: [StandardResponse]
        @ExplicitNull var next: String?

        enum CodingKeys: String, CodingKey { case items, next }
    }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/v1/standard-responses") { request, context -> Response in
            _ = try context.identity()
            let query = FormQuery.parameters(of: request.uri)
            let words = query.get("q").flatMap { $0.isEmpty ? nil : $0 }
            let shortcut = query.get("shortcut").flatMap { $0.isEmpty ? nil : $0 }
            let items = try await store.search(words: words, shortcut: shortcut, limit: 100, client: client, logger: logger)
            return try JSONBody.response(List(items: items, next: nil))
        }
        router.get("/v1/standard-responses/:id") { request, context -> Response in
            _ = try context.identity()
            guard let found = try await store.find(try id(context), client: client, logger: logger) else {
                throw APIError.notFound("The standard response")
            }
            return try JSONBody.response(found)
        }
        router.post("/v1/standard-responses") { request, context -> Response in
            try admin(context)
            let (name, shortcut, text) = try validate(try await JSONBody.decode(Body.self, from: request))
            do {
                return try JSONBody.response(
                    try await store.create(name: name, shortcut: shortcut, text: text, client: client, logger: logger), status: .created)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw APIError(
                    status: .conflict, code: "shortcut_taken", title: "Shortcut taken", detail: "Another standard response uses this shortcut.")
            }
        }
        router.put("/v1/standard-responses/:id") { request, context -> Response in
            try admin(context)
            let (name, shortcut, text) = try validate(try await JSONBody.decode(Body.self, from: request))
            do {
                guard
                    let updated = try await store.update(try id(context), name: name, shortcut: shortcut, text: text, client: client, logger: logger)
                else {
                    throw APIError.notFound("The standard response")
                }
                return try JSONBody.response(updated)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw APIError(
                    status: .conflict, code: "shortcut_taken", title: "Shortcut taken", detail: "Another standard response uses this shortcut.")
            }
        }
        router.delete("/v1/standard-responses/:id") { request, context -> Response in
            try admin(context)
            guard try await store.delete(try id(context), client: client, logger: logger) else { throw APIError.notFound("The standard response") }
            return Response(status: .noContent)
        }
    }

    private func admin(_ context: SwitchboardRequestContext) throws {
        _ = try context.identity(anyOf: .admin)
    }

    private func id(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw APIError.notFound("The standard response") }
        return id
    }

    private func validate(_ body: Body) throws -> (String, String?, String) {
        guard let name = body.name?.trimmingCharacters(in: .whitespaces), (1...200).contains(name.count) else {
            throw APIError.invalid("name is required (1-200 characters)")
        }
        guard let text = body.text, (1...2000).contains(text.count) else { throw APIError.invalid("text is required (1-2000 characters)") }
        var shortcut = body.shortcut?.trimmingCharacters(in: .whitespaces)
        if shortcut?.isEmpty == true { shortcut = nil }
        if let shortcut, shortcut.count > 32 || shortcut.contains(where: \.isWhitespace) {
            throw APIError.invalid("shortcut must be one word of at most 32 characters")
        }
        return (name, shortcut, text)
    }
}
