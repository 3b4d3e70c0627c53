import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Writes what each desktop is shown, inside the transaction of the change (the feed is
/// read by ``DeskStreamHub``). The access rule of docs/architecture.md section 10.2 is
/// applied here, once: an agent is sent only events of what it owns or is offered.
struct DeskFeedWriter: Sendable {
    let schema: String
    var feed: PostgresDeskFeed { PostgresDeskFeed(schema: schema) }

    func append(_ events: [AddressedDeskEvent], on connection: PostgresConnection, logger: Logger) async throws {
        try await feed.append(events, on: connection, logger: logger)
    }

    /// Transfer's own events that a desktop shows (offers), from the outbox messages of a change.
    func outboxMessages(_ messages: [OutboxMessage], on connection: PostgresConnection, logger: Logger) async throws {
        try await append(messages.flatMap(OutboxDeskEvents.events(for:)), on: connection, logger: logger)
    }

    func notification(_ record: NotificationRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await append(
            [AddressedDeskEvent(agentID: record.agentID, event: DeskEvent(kind: .notification, data: Self.json(record.view)))], on: connection,
            logger: logger)
    }

    func presence(_ agent: AgentRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await append(
            [AddressedDeskEvent(agentID: agent.id, event: DeskEvent(kind: .presence, data: Self.json(agent.view)))], on: connection, logger: logger)
    }

    /// An interaction changed: its owner, agents with a pending offer for it, and `also`
    /// (the owner it just left) are shown `data` (the interaction without its transcript).
    func interaction(_ id: UUID, data: String, also: [String?] = [], on connection: PostgresConnection, logger: Logger) async throws {
        let audience = try await self.audience(of: id, on: connection, logger: logger).union(also.compactMap { $0 })
        try await append(
            audience.sorted().map { AddressedDeskEvent(agentID: $0, event: DeskEvent(kind: .interaction, data: data)) }, on: connection,
            logger: logger)
    }

    /// A transcript entry was appended or a part's status changed: shown to the owner and
    /// to agents with a pending offer (they may read what they are offered).
    func transcript(_ id: UUID, data: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await transcript(data, to: try await audience(of: id, on: connection, logger: logger), on: connection, logger: logger)
    }

    /// A transcript change shown to an audience the caller already read.
    func transcript(_ data: String, to audience: Set<String>, on connection: PostgresConnection, logger: Logger) async throws {
        try await append(Self.transcript(data, to: audience), on: connection, logger: logger)
    }

    /// A transcript change's events for an audience, to append with others.
    static func transcript(_ data: String, to audience: Set<String>) -> [AddressedDeskEvent] {
        audience.sorted().map { AddressedDeskEvent(agentID: $0, event: DeskEvent(kind: .transcript, data: data)) }
    }

    /// Who may see an interaction's changes now: its owner in the projection, the agents
    /// of its pending offers and the agents it is open in a consultation with. A prepared
    /// statement (``DeskAudienceStatement``): read for every event transfer shows.
    func audience(of id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        var agents: Set<String> = []
        for try await agent in try await connection.execute(DeskAudienceStatement(interaction: id), logger: logger) { agents.insert(agent) }
        return agents
    }

    /// An IM consultation changed: both of its agents are shown `data`.
    func consultation(_ change: ConsultationChange, data: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await append(
            Set([change.fromAgentID, change.agentID]).sorted().map {
                AddressedDeskEvent(agentID: $0, event: DeskEvent(kind: .consultation, data: data))
            }, on: connection, logger: logger)
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try SwitchboardJSON.encoder().encode(value), as: UTF8.self)
    }
}
