import Foundation
import Logging
import Metrics
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Turns delivery receipts into `message.status` (docs/architecture.md section 2), whether they come
/// from the queue `ingest.receipts` or from a carrier's status webhook.
///
/// - A receipt with our `message_id` and the carrier's `id` records the mapping
///   `(channel, id) → (message_id, part)` in `ingest.carrier_ids` (the first one wins).
/// - A receipt with only the carrier's `id` is mapped back through it. Unknown: from the
///   queue it is dead-lettered (reason "unknown carrier id"); from a webhook it is answered
///   with success (the carrier would only retry) and counted by
///   `switchboard_ingest_unmatched_receipts_total{source}`. It is not kept for later.
/// - Each (channel, carrier id, status) is applied once (`ingest.receipts`): a carrier's
///   retry emits nothing new. A receipt with only `message_id` has no such key; the
///   queue's inbox dedups its redelivery.
/// - Statuses come from ``DeliveryStatusTable``; a status it ignores emits nothing.
struct ReceiptRecorder: Sendable {
    let store: PostgresReceiptStore
    let outbox: Outbox
    let logger: Logger

    enum Outcome: String, Sendable, Equatable {
        case emitted, duplicate, unmatched, ignored
    }

    /// A receipt from `ingest.receipts`.
    /// - Throws: ``InvalidMessage`` when it breaks the contract or its carrier id is unknown.
    func record(_ receipt: DeliveryReceipt, traceparent: String?, now: Date, on connection: PostgresConnection) async throws -> Outcome {
        guard let rawStatus = receipt.status, let status = DeliveryStatusTable.status(rawStatus, from: .queue) else {
            throw InvalidMessage("status must be one of \(MessageStatus.statuses.joined(separator: ", "))")
        }
        let channel = (receipt.channel?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        guard ChannelRequest.validName(channel) else { throw InvalidMessage("channel must be 1-64 letters, digits, '-', '_' or '.'") }
        let messageID = receipt.messageId?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        let carrierID = receipt.id?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let part = receipt.part, part < 1 { throw InvalidMessage("part must be 1 or more") }
        var at = now
        if let text = receipt.at {
            guard let parsed = RFC3339.date(from: text) else { throw InvalidMessage("at is not an RFC 3339 time") }
            at = parsed
        }
        let errorCode = DeliveryStatusTable.errorCode(receipt.errorCode)
        let mapping: PostgresReceiptStore.Mapping
        if let messageID {
            guard messageID.count <= 256 else { throw InvalidMessage("message_id is longer than 256 characters") }
            mapping = .init(messageID: messageID, part: receipt.part)
            if let carrierID {
                try await store.map(channel: channel, carrierID: carrierID, to: mapping, on: connection, logger: logger)
            }
        } else if let carrierID {
            guard let known = try await store.mapping(channel: channel, carrierID: carrierID, on: connection, logger: logger) else {
                Counter(label: "switchboard_ingest_unmatched_receipts_total", dimensions: [("source", "amqp")]).increment()
                throw InvalidMessage("unknown carrier id \(carrierID) in channel \(channel): no receipt with our message_id mapped it")
            }
            mapping = known
        } else {
            throw InvalidMessage("a receipt needs message_id (ours) or id (the carrier's)")
        }
        return try await apply(
            channel: channel, carrierID: carrierID, status: status, mapping: mapping, errorCode: errorCode, at: at,
            source: "amqp", traceparent: traceparent, on: connection
        )
    }

    /// A receipt from a carrier's webhook.
    func record(
        _ receipt: CarrierReceipt, channel: String, source: String, traceparent: String?, now: Date, on connection: PostgresConnection
    ) async throws -> Outcome {
        guard let status = receipt.status else {
            Counter(label: "switchboard_ingest_receipts_total", dimensions: [("source", source), ("outcome", "ignored")]).increment()
            return .ignored
        }
        guard let mapping = try await store.mapping(channel: channel, carrierID: receipt.carrierID, on: connection, logger: logger) else {
            Counter(label: "switchboard_ingest_unmatched_receipts_total", dimensions: [("source", source)]).increment()
            logger.info("receipt for an unknown carrier id", metadata: ["channel": "\(channel)", "carrier_id": "\(receipt.carrierID)"])
            return .unmatched
        }
        return try await apply(
            channel: channel, carrierID: receipt.carrierID, status: status, mapping: mapping, errorCode: receipt.errorCode,
            at: receipt.at ?? now, source: source, traceparent: traceparent, on: connection
        )
    }

    /// The sender's own `sent`: the carrier took the SMS and gave it `carrierID`. The id is
    /// mapped to our message and part before or with the ack, so every later receipt maps
    /// back, and `sent` is applied like a receipt, so the carrier's own `sent` is a duplicate.
    func recordAccepted(
        channel: String, carrierID: String, mapping: PostgresReceiptStore.Mapping, traceparent: String?, now: Date,
        on connection: PostgresConnection
    ) async throws {
        try await store.map(channel: channel, carrierID: carrierID, to: mapping, on: connection, logger: logger)
        _ = try await apply(
            channel: channel, carrierID: carrierID, status: "sent", mapping: mapping, errorCode: nil, at: now, source: "sender",
            traceparent: traceparent, on: connection
        )
    }

    /// A part the sender could not send (refused for good, or out of attempts): `failed`,
    /// with the carrier's code and its reason, for the transcript.
    func recordFailed(
        messageID: String, part: Int?, errorCode: String?, reason: String, traceparent: String?, now: Date, on connection: PostgresConnection
    ) async throws {
        var event = MessageStatus(messageId: messageID, part: part, status: "failed", errorCode: errorCode, at: now)
        event.errorReason = reason
        try await outbox.enqueue(
            [
                try OutboxMessage.event(
                    .messageStatus, service: "ingest", subject: nil, traceparent: TraceContext.child(of: traceparent), data: event,
                    correlationID: messageID
                )
            ], on: connection, logger: logger)
        Counter(label: "switchboard_ingest_receipts_total", dimensions: [("source", "sender"), ("outcome", "failed")]).increment()
    }

    private func apply(
        channel: String, carrierID: String?, status: String, mapping: PostgresReceiptStore.Mapping, errorCode: String?, at: Date,
        source: String, traceparent: String?, on connection: PostgresConnection
    ) async throws -> Outcome {
        if let carrierID {
            let new = try await store.record(
                channel: channel, carrierID: carrierID, status: status, mapping: mapping, errorCode: errorCode, at: at,
                source: source, on: connection, logger: logger
            )
            guard new else {
                Counter(label: "switchboard_ingest_receipts_total", dimensions: [("source", source), ("outcome", "duplicate")]).increment()
                return .duplicate
            }
        }
        let event = MessageStatus(messageId: mapping.messageID, part: mapping.part, status: status, errorCode: errorCode, at: at)
        try await outbox.enqueue(
            [
                try OutboxMessage.event(
                    .messageStatus, service: "ingest", subject: nil, traceparent: TraceContext.child(of: traceparent), data: event,
                    correlationID: mapping.messageID
                )
            ], on: connection, logger: logger)
        Counter(label: "switchboard_ingest_receipts_total", dimensions: [("source", source), ("outcome", "emitted")]).increment()
        return .emitted
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
