public import Logging
public import PostgresNIO
public import SwitchboardAMQP

/// The consume side of docs/architecture.md section 5 in one place: for a delivery, open a
/// transaction, record its message id in the inbox (a duplicate commits nothing), run the
/// effect (which writes its events to the outbox), commit, and only then ack.
///
/// A ``PermanentMessageError``, or a database error the message's data caused
/// (``InputDataError``), dead-letters the message with its reason; any other error rolls
/// back and requeues it (the queue's delivery limit ends a loop).
public struct TransactionalHandler: Sendable {
    public let client: PostgresClient
    public let inbox: Inbox
    /// Where the effects write their events; its relay is woken after each commit.
    public let outbox: Outbox
    public let consumer: String
    public let logger: Logger

    public init(client: PostgresClient, inbox: Inbox, outbox: Outbox, consumer: String, logger: Logger) {
        self.client = client
        self.inbox = inbox
        self.outbox = outbox
        self.consumer = consumer
        self.logger = logger
    }

    /// - Parameter prologue: runs first in the transaction, before the inbox record, as in a
    ///   batch (``handle(batch:prologue:effect:)``): a consumer's locks are then taken in one
    ///   order whether its messages come in a batch or one by one. (The other order — the
    ///   inbox record, then the prologue's lock — could deadlock with a batch that holds the
    ///   lock and claims the same message id, a redelivery handled twice at once.) The effect
    ///   sees ``BatchPrologue/hasRun``.
    public func handle(
        _ delivery: AMQPDelivery,
        prologue: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        effect: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async -> AMQPHandlingResult {
        guard let messageID = delivery.properties.messageID, !messageID.isEmpty else {
            return .deadLetter(reason: "message has no message_id property (required: it is the dedup key)")
        }
        do {
            try await outbox.transaction(on: client, logger: logger) { connection in
                try await prologue?(connection)
                guard try await inbox.claim(messageID: messageID, consumer: consumer, on: connection, logger: logger) else {
                    logger.debug("duplicate delivery ignored", metadata: ["message_id": "\(messageID)"])
                    return
                }
                try await BatchPrologue.$hasRun.withValue(prologue != nil) { try await effect(connection) }
            }
            return .ack
        } catch {
            let cause = Self.unwrap(error)
            if let permanent = cause as? any PermanentMessageError {
                return .deadLetter(reason: permanent.description)
            }
            if let input = InputDataError(cause) {
                return .deadLetter(reason: input.description)
            }
            return .retry(reason: String(reflecting: cause))
        }
    }

    /// Handles a batch in one transaction (one commit instead of one per message, which is
    /// what bounds throughput). Each delivery still gets its inbox record (the batch's in one
    /// statement) and its effect, in order; a duplicate, within the batch or from before, gets
    /// no effect. If anything in the batch fails, the batch is rolled back and every
    /// delivery is handled again on its own, so one bad message never blocks the others.
    /// - Parameter prologue: runs first in the batch's transaction: where a batch needs
    ///   several locks, it takes them all there, in one global order, before any effect
    ///   takes a row lock, so two batches never wait on each other in a cycle. Effects that
    ///   run after it see ``BatchPrologue/hasRun``. A batch of one, and each delivery of a
    ///   batch that failed, runs it too, in its own transaction, before its inbox record.
    public func handle(
        batch deliveries: [AMQPDelivery],
        prologue: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        effect: @escaping @Sendable (AMQPDelivery, PostgresConnection) async throws -> Void
    ) async -> [AMQPHandlingResult] {
        await handle(batch: deliveries, prologue: prologue, effectAt: { index, connection in try await effect(deliveries[index], connection) })
    }

    /// ``handle(batch:prologue:effect:)`` with each effect told its delivery's position in
    /// `deliveries`: what tells two deliveries apart (a delivery tag repeats once its channel
    /// was opened again, so two deliveries of one batch can share one).
    public func handle(
        batch deliveries: [AMQPDelivery],
        prologue: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        effectAt effect: @escaping @Sendable (_ position: Int, PostgresConnection) async throws -> Void
    ) async -> [AMQPHandlingResult] {
        await handle(batch: deliveries, prologue: prologue) { positions, connection in
            for position in positions { try await effect(position, connection) }
        }
    }

    /// ``handle(batch:prologue:effect:)`` with the batch's effects run by one call: `effects`
    /// is given the positions in `deliveries` of the ones to apply (claimed in the inbox, a
    /// duplicate left out), in the deliveries' order, and must apply them in that order.
    /// Why: a consumer whose effects are one statement each can then apply a run of them in
    /// one statement (issue #17: transfer sent one `UPDATE` per inbound message of a
    /// batch). A batch of one, and each delivery of a batch that failed, is one call with
    /// one position.
    public func handle(
        batch deliveries: [AMQPDelivery],
        prologue: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        effectsAt effects: @escaping @Sendable (_ positions: [Int], PostgresConnection) async throws -> Void
    ) async -> [AMQPHandlingResult] {
        func oneByOne() async -> [AMQPHandlingResult] {
            await Array(deliveries.enumerated()).asyncMap { index, delivery in
                await handle(delivery, prologue: prologue) { try await effects([index], $0) }
            }
        }
        guard deliveries.count > 1 else { return await oneByOne() }
        guard deliveries.allSatisfy({ !($0.properties.messageID ?? "").isEmpty }) else { return await oneByOne() }
        do {
            try await outbox.transaction(on: client, logger: logger) { connection in
                try await prologue?(connection)
                // The whole batch's inbox records in one statement, not one per delivery
                // (issue #17: transfer's batches of `interaction.message.appended` sent one
                // per event); the effects then run in the deliveries' order, in the same
                // transaction, so the records and the effects still commit together.
                let claimed = try await inbox.claim(
                    messageIDs: deliveries.map { $0.properties.messageID ?? "" }, consumer: consumer, on: connection, logger: logger)
                var seen = Set<String>()
                let positions = deliveries.indices.filter { index in
                    let messageID = deliveries[index].properties.messageID ?? ""
                    return claimed.contains(messageID) && seen.insert(messageID).inserted
                }
                guard !positions.isEmpty else { return }
                try await BatchPrologue.$hasRun.withValue(prologue != nil) { try await effects(positions, connection) }
            }
            return Array(repeating: .ack, count: deliveries.count)
        } catch {
            logger.debug("batch failed; handling its messages one by one", metadata: ["size": "\(deliveries.count)"])
            return await oneByOne()
        }
    }

    /// postgres-nio wraps a closure's error in `PostgresTransactionError`.
    public static func unwrap(_ error: any Error) -> any Error {
        if let transactionError = error as? PostgresTransactionError, let closureError = transactionError.closureError {
            return closureError
        }
        return error
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        results.reserveCapacity(count)
        for element in self { results.append(await transform(element)) }
        return results
    }
}
