import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The simulator carrier's two operations (docs/architecture.md 10.1), for demos and tests;
/// only for a channel whose carrier is `simulator` (any other: 404).
///
/// | operation | role | what |
/// |---|---|---|
/// | `POST /v1/simulator/{channel}/inbound` `{from, to, text}` | `admin`, `system` | plays the customer: an inbound SMS as if the carrier had delivered it; 202 with ingest's message id |
/// | `GET /v1/simulator/{channel}/messages?to=&limit=` | `admin`, `system` | what the simulator was asked to send, newest first (at most 200) |
struct SimulatorRoutes: Sendable {
    let channels: PostgresChannelStore
    let acceptor: InboundAcceptor
    let client: PostgresClient
    let schema: String
    let logger: Logger

    struct InboundBody: Decodable, Sendable {
        var from: String?
        var to: String?
        var text: String?
    }

    struct SentMessage: Codable, Sendable, Equatable {
        var id: String
        var from: String
        var to: String
        var text: String
        var encoding: String
        var sentAt: Date
    }

    struct SentMessages: Codable, Sendable, Equatable {
        var items: [SentMessage]
    }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.post("/v1/simulator/:channel/inbound") { request, context -> Response in
            _ = try context.identity(anyOf: .admin, .system)
            let channel = try await simulatorChannel(context)
            let body = try await JSONBody.decode(InboundBody.self, from: request, limit: 64 << 10)
            let message = InboundMessage(
                id: "SIMIN" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(), channel: channel.name,
                from: body.from, to: body.to, text: body.text
            )
            do {
                let outcome = try await acceptor.accept(
                    message, source: "simulator", region: channel.defaultRegion, traceparent: request.headers[.traceparent])
                return try JSONBody.response(outcome, status: .accepted)
            } catch let invalid as InvalidMessage {
                throw APIError.invalid(invalid.reason, code: "invalid_message")
            }
        }
        router.get("/v1/simulator/:channel/messages") { request, context -> Response in
            _ = try context.identity(anyOf: .admin, .system)
            let channel = try await simulatorChannel(context)
            let to = request.uri.queryParameters.get("to")
            let limitText = request.uri.queryParameters.get("limit") ?? "50"
            guard let limit = Int(limitText), (1...200).contains(limit) else { throw APIError.invalid("limit must be 1-200") }
            let rows = try await client.rows(
                """
                SELECT carrier_id, from_number, to_number, text, encoding, sent_at FROM \(unescaped: schema).simulator_messages
                WHERE channel = \(channel.name) AND (\(to)::text IS NULL OR to_number = \(to))
                ORDER BY sent_at DESC, carrier_id LIMIT \(limit)
                """, logger: logger)
            var items: [SentMessage] = []
            for try await (id, from, to, text, encoding, sentAt) in rows.decode((String, String, String, String, String, Date).self) {
                items.append(SentMessage(id: id, from: from, to: to, text: text, encoding: encoding, sentAt: sentAt))
            }
            return try JSONBody.response(SentMessages(items: items))
        }
    }

    private func simulatorChannel(_ context: SwitchboardRequestContext) async throws -> ChannelSettings {
        guard let name = context.parameters.get("channel"), ChannelRequest.validName(name),
            let channel = try await channels.channel(named: name, client: client, logger: logger), channel.carrier == .simulator
        else { throw APIError.notFound("The simulator channel") }
        return channel
    }
}
