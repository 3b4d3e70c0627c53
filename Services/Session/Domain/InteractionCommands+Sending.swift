import Foundation
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

extension InteractionCommands {
    /// Sends an agent's SMS in an interaction: the one way a reply and the first message of
    /// an interaction the agent opened are sent. Appends the outbound transcript entry
    /// (author the agent, every part `queued`, counted as activity so an open session's
    /// inactivity deadline restarts) and returns, for the caller's outbox, its
    /// `interaction.message.appended` and the ``OutboundSMS`` for `switchboard.outbound`
    /// (key `sms.<channel>`, persistent and mandatory, ordered after the interaction's
    /// earlier events by its id). The caller has checked the text, consent and who may send.
    func send(
        _ message: MessageText, in record: InteractionRecord, by identity: Identity, at now: Date, traceparent: String?,
        on connection: PostgresConnection
    ) async throws -> (messageID: String, seq: Int, events: [OutboxMessage]) {
        let messageID = UUID().uuidString.lowercased()
        let segmentation = message.segmentation
        let (seq, appended) = try await appendEntry(
            NewTranscriptEntry(
                interactionID: record.id, kind: "message", direction: "outbound", authorType: "agent", authorID: identity.agentID,
                authorName: identity.name, text: message.text,
                parts: segmentation.parts.map { .init(text: $0, status: "queued") },
                entities: extractor.extract(message.text), messageID: messageID, at: now
            ), touchingAt: now, traceparent: traceparent, on: connection)
        let sms = OutboundSMS(
            messageId: messageID, interactionId: record.idString, channel: record.channel, from: record.to, to: record.from,
            text: message.text, encoding: segmentation.encoding.rawValue, parts: segmentation.parts
        )
        let outbound = OutboxMessage(
            messageID: messageID, exchange: SwitchboardTopology.outboundExchange, routingKey: "sms.\(record.channel)",
            type: "sms.outbound", contentType: "application/json", correlationID: record.idString, traceparent: traceparent,
            mandatory: true, body: try SwitchboardJSON.encoder().encode(sms)
        )
        return (messageID, seq, [appended, outbound])
    }
}
