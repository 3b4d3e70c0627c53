import Foundation
import Logging
import PostgresNIO

/// The directory, the interaction projection, offers, declines, transfers and
/// notifications, behind a protocol so the rules can be tested without a database.
///
/// Everything that changes state runs on the caller's connection inside the caller's
/// transaction, so the change, its outbox messages and (for consumers) the inbox record
/// commit together. Reads for HTTP GETs use the pool.
protocol TransferStore: Sendable {
    // MARK: Serialisation and clock

    /// Takes the transaction-scoped routing lock (`pg_advisory_xact_lock`): every change
    /// that can create, decide or expire an offer, or change presence, capacity or load,
    /// takes it first, so routing decisions never interleave (see ``TransferCommands``).
    func lockRouting(on connection: PostgresConnection, logger: Logger) async throws
    /// The database's clock.
    func now(on connection: PostgresConnection, logger: Logger) async throws -> Date

    // MARK: Directory

    func upsertAgent(id: String, name: String, queues: [String], capacity: Int, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord
    func lockAgent(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord?
    func agent(_ id: String, client: PostgresClient, logger: Logger) async throws -> AgentRecord?
    /// Sets SMS presence; `ready_since` becomes `at` when it turns ready, nil when not ready.
    func setPresence(_ id: String, ready: Bool, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord?
    func upsertQueue(_ queue: QueueRecord, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func queue(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> QueueRecord?
    func upsertRoutingPoint(_ point: RoutingPointRecord, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func routingPoint(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> RoutingPointRecord?
    func searchTargets(_ query: String, limit: Int, client: PostgresClient, logger: Logger) async throws -> [TargetView]

    // MARK: Capacity and idle time

    /// The Ready agents of `queue` with what they have reserved (load + pending offers +
    /// accepted offers awaiting assignment).
    func candidates(queue: String, on connection: PostgresConnection, logger: Logger) async throws -> [AgentSelection.Candidate]
    /// One agent as a candidate (any presence), or nil.
    func candidate(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> AgentSelection.Candidate?
    /// Recounts `sms_load` of the agents from the projection (owned `active` interactions).
    func refreshLoad(_ agentIDs: [String], on connection: PostgresConnection, logger: Logger) async throws
    func markAssigned(_ agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func markAssignmentEnded(_ agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func queues(ofAgent agentID: String, on connection: PostgresConnection, logger: Logger) async throws -> [String]

    // MARK: Interaction projection

    /// Inserts a `queued` interaction for `interaction.created`; when the row already exists
    /// (an `interaction.assigned` came first), fills its descriptive fields and keeps its
    /// state. Returns the row.
    func recordCreated(_ projection: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection
    func lockInteraction(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection?
    func interaction(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection?
    func insertInteraction(_ projection: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws
    func updateInteraction(_ projection: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws
    /// The `queued` interactions of `queue`, oldest first, locked (`FOR UPDATE SKIP LOCKED`).
    func waiting(queue: String, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [InteractionProjection]
    func declined(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<String>
    func recordDecline(_ interactionID: UUID, agentID: String, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func clearDeclines(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws

    // MARK: Offers

    func insertOffer(_ offer: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws
    func lockOffer(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord?
    func updateOffer(_ offer: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws
    func offer(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> OfferRecord?
    /// The pending offer of an interaction, locked, or nil.
    func lockPendingOffer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord?
    /// An agent's pending, unexpired offers with their interactions, oldest first.
    func pendingOffers(agent: String, client: PostgresClient, logger: Logger) async throws -> [(OfferRecord, InteractionProjection?)]
    /// The database's clock and the pending offers expired by it, locked with
    /// `FOR UPDATE SKIP LOCKED`.
    func claimExpired(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> (now: Date, offers: [OfferRecord])
    /// Seconds until the earliest pending offer expires (negative when overdue), or nil.
    func secondsUntilNextExpiry(client: PostgresClient, logger: Logger) async throws -> Double?

    // MARK: Transfers and notifications

    func insertTransfer(_ transfer: TransferRecord, on connection: PostgresConnection, logger: Logger) async throws
    func lockTransfer(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> TransferRecord?
    func lockPendingTransfer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> TransferRecord?
    func updateTransfer(_ transfer: TransferRecord, on connection: PostgresConnection, logger: Logger) async throws
    func transfer(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> TransferRecord?
    func insertNotification(_ notification: NotificationRecord, on connection: PostgresConnection, logger: Logger) async throws
    func notifications(agent: String, limit: Int, client: PostgresClient, logger: Logger) async throws -> [NotificationRecord]
}
