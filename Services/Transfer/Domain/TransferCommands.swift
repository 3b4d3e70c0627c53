import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Every change of the transfer service, as one place that applies the rules: directory
/// and presence, routing offers, instant transfers, and the projection of session's
/// interaction events. Each operation runs inside the caller's transaction and writes its
/// events (and the `interaction.assign` command) to the outbox there, so all of it commits
/// or none does.
///
/// **Races are decided in one place.** Every operation that can create, decide or expire an
/// offer, start a transfer, or change presence, capacity or load first takes the routing
/// lock (a transaction-scoped advisory lock, ``PostgresTransferStore/lockRouting(on:logger:)``),
/// then locks the rows it changes (`FOR UPDATE`). Routing decisions therefore never
/// interleave, across requests, consumers, the expiry scheduler and service replicas, and
/// each sees the previous one's committed result:
/// - two accepts of one offer: the second finds it `accepted` → 409 `offer_not_pending`;
/// - an accept (or reject) after the offer expired: 409 `offer_expired`. An offer past its
///   `expires_at` that the scheduler has not claimed yet is expired right there, committed
///   (it goes to the next agent), and only then refused;
/// - a reject after an accept: 409 `offer_not_pending`;
/// - a transfer while another of the interaction is pending (or accepted and awaiting
///   session's `interaction.assigned`): 409 `transfer_pending` (a partial unique index
///   backs the rule).
/// Session applies `interaction.assign` only when the owner is still the expected one, so
/// even a command sent on stale knowledge never gives an interaction two owners.
///
/// **Routing is event-driven**: ``route(queues:agents:now:traceparent:on:)`` runs for the queue of
/// a new arrival, and for an agent's queues when it goes Ready, its capacity or queues
/// change, its load decreases (close, transfer away, release to a queue) or one of its
/// offers is rejected or expires. No polling loop.
struct TransferCommands: Sendable {
    let store: PostgresTransferStore
    let outbox: Outbox
    /// Who may see which interaction, from `interaction.assigned`.
    let participants: InteractionParticipants
    /// `SWITCHBOARD_OFFER_TIMEOUT`, seconds.
    let offerTimeout: Int
    let logger: Logger
    let selection = AgentSelection()

    static let service = "transfer"
    /// How many waiting interactions of a queue one routing pass reads at most: those an
    /// agent with room has not declined, oldest first (those every such agent declined are
    /// left out in SQL and do not count, so they cannot hide a newer one from the pass).
    static let routingBatch = 200

    enum Answer: Sendable {
        case answered(OfferView)
        /// The offer had expired; the expiry is committed, the caller gets 409 `offer_expired`.
        case expired
    }

    /// Takes the routing lock for an event from `transfer.events`, unless the batch it runs
    /// in holds it already (its prologue took it, ``BatchPrologue``): one round trip per
    /// event less in a batch (issue #17), and the same order of locks either way.
    func lockRoutingForEvent(on connection: PostgresConnection) async throws {
        if !BatchPrologue.hasRun { try await store.lockRouting(on: connection, logger: logger) }
    }

    // MARK: Messages

    func offerEvent(_ type: EventType, _ offer: OfferRecord, _ preview: OfferPreview?, _ traceparent: String?) throws -> OutboxMessage {
        try OutboxMessage.event(
            type, service: Self.service, subject: offer.subject, traceparent: traceparent, data: offer.view(preview: preview)
        )
    }

    func transferEvent(_ type: EventType, _ transfer: TransferRecord, _ traceparent: String?) throws -> OutboxMessage {
        try OutboxMessage.event(
            type, service: Self.service, subject: Self.text(transfer.interactionID), traceparent: traceparent, data: transfer.view)
    }

    /// The command `interaction.assign` (docs/architecture.md section 3), mandatory: a broker that
    /// cannot route it returns it and the relay retries, so it is never silently dropped.
    func assignCommand(_ command: InteractionAssign, _ traceparent: String?) throws -> OutboxMessage {
        OutboxMessage(
            messageID: UUID().uuidString.lowercased(), exchange: SwitchboardTopology.commandsExchange,
            routingKey: "session.interaction.assign", type: "interaction.assign", contentType: "application/json",
            correlationID: command.interactionId, traceparent: traceparent ?? TraceContext.newTraceparent(), mandatory: true,
            body: try SwitchboardJSON.encoder().encode(command)
        )
    }

    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    // MARK: Effects

    /// What desktops are shown, written in the same transaction (docs/architecture.md section 10.2).
    var desk: DeskFeedWriter { DeskFeedWriter(schema: store.schema) }

    /// Writes a change's events and commands to the outbox, and the offers among them to
    /// the offered agents' desk feeds.
    func emit(_ messages: [OutboxMessage], on connection: PostgresConnection, logger: Logger) async throws {
        try await outbox.enqueue(messages, on: connection, logger: logger)
        try await desk.outboxMessages(messages, on: connection, logger: logger)
    }

    /// Records a notification and puts it on its agent's desk feed.
    func notify(_ record: NotificationRecord, on connection: PostgresConnection) async throws {
        try await store.insertNotification(record, on: connection, logger: logger)
        try await desk.notification(record, on: connection, logger: logger)
    }

    static func metadata(_ offer: OfferRecord) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "offer_id": "\(offer.idString)", "agent_id": "\(offer.agentID)", "kind": "\(offer.kind.rawValue)", "state": "\(offer.state.rawValue)",
        ]
        if let interaction = offer.interactionID { metadata["interaction_id"] = "\(text(interaction))" }
        if let callback = offer.callback { metadata["callback_id"] = "\(callback.id)" }
        return metadata
    }
}
