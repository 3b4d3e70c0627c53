import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// `ingest.outbound_sms` and `ingest.send_slots`: the SMS ingest sends, their leases, and
/// each channel's send rate shared by every replica.
struct PostgresOutboundStore: Sendable {
    let schema: String

    /// Queues SMS to send; one already queued (a redelivered reply) is left as it is.
    func enqueue(_ rows: [QueuedSMS], on connection: PostgresConnection, logger: Logger) async throws {
        for row in rows {
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).outbound_sms
                    (message_id, part, parts_total, channel, interaction_id, from_number, to_number, text, encoding, reference, traceparent)
                VALUES (\(row.messageID), \(row.part), \(row.partsTotal), \(row.channel), \(row.interactionID), \(row.from), \(row.to),
                        \(row.text), \(row.encoding), \(row.reference), \(row.traceparent))
                ON CONFLICT (message_id, part) DO NOTHING
                """, logger: logger)
        }
    }

    /// Locks up to `limit` SMS that are due — pending and past their next attempt, or leased
    /// by a sender whose lease ran out — oldest first, skipping rows another replica holds.
    func lockDue(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [QueuedSMS] {
        let rows = try await connection.query(
            """
            SELECT message_id, part, parts_total, channel, interaction_id, from_number, to_number, text, encoding, reference,
                   attempts, traceparent
            FROM \(unescaped: schema).outbound_sms
            WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND lease_until <= now())
            ORDER BY created_at, message_id, part
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var found: [QueuedSMS] = []
        for try await (messageID, part, total, channel, interaction, from, to, text, encoding, reference, attempts, traceparent) in rows.decode(
            (String, Int, Int, String, String?, String, String, String, String, String, Int, String?).self)
        {
            found.append(
                QueuedSMS(
                    messageID: messageID, part: part, partsTotal: total, channel: channel, interactionID: interaction, from: from, to: to,
                    text: text, encoding: encoding, reference: reference, attempts: attempts, traceparent: traceparent
                ))
        }
        return found
    }

    /// Reserves `count` consecutive send slots of the channel, `1 / rate` seconds apart on the
    /// database's clock, and returns how long from now the first one is. Every replica
    /// reserves through this one row, so together they never send faster than the rate.
    func reserveSlots(channel: String, count: Int, rate: Double, on connection: PostgresConnection, logger: Logger) async throws -> Duration {
        let span = Double(count) / rate
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).send_slots AS slots (channel, next_slot_at)
            VALUES (\(channel), clock_timestamp() + make_interval(secs => \(span)))
            ON CONFLICT (channel) DO UPDATE
                SET next_slot_at = greatest(slots.next_slot_at, clock_timestamp()) + make_interval(secs => \(span))
            RETURNING extract(epoch FROM (next_slot_at - make_interval(secs => \(span)) - clock_timestamp()))::float8
            """, logger: logger)
        var delay = 0.0
        for try await seconds in rows.decode(Double.self) { delay = seconds }
        return .milliseconds(Int64(max(0, delay) * 1000))
    }

    /// Marks the SMS as being sent by this replica until `leaseSeconds` from now, and counts the attempt.
    func lease(_ rows: [QueuedSMS], leaseSeconds: Double, on connection: PostgresConnection, logger: Logger) async throws {
        for row in rows {
            try await connection.query(
                """
                UPDATE \(unescaped: schema).outbound_sms
                SET state = 'sending', attempts = attempts + 1, lease_until = now() + make_interval(secs => \(leaseSeconds))
                WHERE message_id = \(row.messageID) AND part = \(row.part)
                """, logger: logger)
        }
    }

    /// The carrier took it. False when the row is no longer ours to settle: already settled,
    /// or leased again by another sender after our lease ran out (each lease counts an
    /// attempt, so `attempts` is the lease's token).
    func markSent(_ row: QueuedSMS, carrierIDs: [String], on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).outbound_sms
            SET state = 'sent', carrier_ids = \(carrierIDs), sent_at = now(), lease_until = NULL, error_code = NULL, error_reason = NULL
            WHERE message_id = \(row.messageID) AND part = \(row.part) AND state = 'sending' AND attempts = \(row.attempts)
            RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// To be tried again after `after`, with the reason it was not sent this time.
    func markRetry(_ row: QueuedSMS, after: Duration, reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        let seconds = Double(after.components.seconds) + Double(after.components.attoseconds) / 1e18
        try await connection.query(
            """
            UPDATE \(unescaped: schema).outbound_sms
            SET state = 'pending', next_attempt_at = now() + make_interval(secs => \(seconds)), lease_until = NULL,
                error_reason = \(String(reason.prefix(500)))
            WHERE message_id = \(row.messageID) AND part = \(row.part) AND state = 'sending' AND attempts = \(row.attempts)
            """, logger: logger)
    }

    /// Refused for good, or out of attempts. False when the row was already settled.
    func markFailed(_ row: QueuedSMS, code: String?, reason: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).outbound_sms
            SET state = 'failed', lease_until = NULL, error_code = \(code), error_reason = \(String(reason.prefix(500)))
            WHERE message_id = \(row.messageID) AND part = \(row.part) AND state = 'sending' AND attempts = \(row.attempts)
            RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
