import Foundation
public import PostgresNIO
public import SwitchboardAMQP
public import SwitchboardModels

/// What a consumed message asks for: a change to apply inside the consumer's transaction.
public typealias MessageEffect = @Sendable (PostgresConnection) async throws -> Void

/// Decoding the CloudEvent of a delivery, with a dead-letter reason when it is not one.
public enum EventDecoding {
    public static func decode<Payload: Codable & Sendable>(
        _ type: Payload.Type, from delivery: AMQPDelivery
    ) throws(InvalidMessage) -> CloudEvent<Payload> {
        do {
            return try SwitchboardJSON.decoder().decode(CloudEvent<Payload>.self, from: delivery.body)
        } catch let error as DecodingError {
            throw InvalidMessage("not a \(delivery.routingKey) event: \(describe(error))")
        } catch {
            throw InvalidMessage("not valid JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            (context.codingPath.map(\.stringValue).joined(separator: ".").isEmpty
                ? "body" : context.codingPath.map(\.stringValue).joined(separator: "."))
                + ": " + context.debugDescription
        @unknown default: "undecodable"
        }
    }
}

extension TransactionalHandler {
    /// Handles a consumer's batch: each delivery is decoded into its effect by `prepare`
    /// (a malformed one is dead-lettered with its reason; `nil` means "ack, nothing to
    /// do"), and the effects run in one transaction with their inbox records, in order.
    /// `prepare` has seen every delivery before `prologue` runs (see
    /// ``handle(batch:prologue:effect:)``).
    public func handle(
        batch deliveries: [AMQPDelivery],
        prologue: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        prepare: (AMQPDelivery) throws(InvalidMessage) -> MessageEffect?
    ) async -> [AMQPHandlingResult] {
        await handle(batch: deliveries, prologue: prologue, prepare: prepare) { effects, connection in
            for effect in effects { try await effect(connection) }
        }
    }

    /// ``handle(batch:prologue:prepare:)`` for effects of the consumer's own type, which
    /// `run` applies together: it is given the effects to apply (a duplicate's left out), in
    /// the deliveries' order, and may apply a run of them in one statement
    /// (``handle(batch:prologue:effectsAt:)``).
    public func handle<Effect: Sendable>(
        batch deliveries: [AMQPDelivery],
        prologue: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        prepare: (AMQPDelivery) throws(InvalidMessage) -> Effect?,
        run: @escaping @Sendable (_ effects: [Effect], PostgresConnection) async throws -> Void
    ) async -> [AMQPHandlingResult] {
        var results = Array(repeating: AMQPHandlingResult.ack, count: deliveries.count)
        // By position, not by delivery tag: a tag repeats once its channel was opened again,
        // and a batch can hold a retried delivery from before with a new one of the same tag.
        var effects: [Effect] = []
        var runnable: [AMQPDelivery] = []
        var positions: [Int] = []
        for (index, delivery) in deliveries.enumerated() {
            do {
                guard let effect = try prepare(delivery) else { continue }
                effects.append(effect)
                runnable.append(delivery)
                positions.append(index)
            } catch {
                results[index] = .deadLetter(reason: error.reason)
            }
        }
        guard !runnable.isEmpty else { return results }
        let prepared = effects
        let outcomes = await handle(batch: runnable, prologue: prologue) { chosen, connection in
            try await run(chosen.map { prepared[$0] }, connection)
        }
        for (position, outcome) in zip(positions, outcomes) { results[position] = outcome }
        return results
    }
}
