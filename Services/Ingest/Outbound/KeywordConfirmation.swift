import Foundation
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels

/// The confirmation reply to a consent keyword (docs/architecture.md 10.1): one SMS from the
/// organisation number back to the customer, published like any reply on
/// `switchboard.outbound` (`sms.<channel>`), so ingest's sender sends it for a channel it
/// sends for and an external connector for an `amqp` channel. It belongs to no interaction
/// and bypasses session's opt-out refusal: the STOP confirmation is the one message an
/// opted-out number still gets. Its message id derives from the inbound message's, so a
/// redelivered keyword confirms once.
enum KeywordConfirmation {
    static func message(
        for action: ConsentKeywords.Action, replies: KeywordReplies, inbound: MessageReceived, conversation: String, traceparent: String
    ) throws -> OutboxMessage? {
        guard let text = replies.text(for: action) else { return nil }
        let segmentation = SMSSegmenter().segment(text)
        let messageID = "\(inbound.messageId).keyword-reply"
        let sms = OutboundSMS(
            messageId: messageID, interactionId: nil, channel: inbound.channel, from: inbound.to, to: inbound.from, text: text,
            encoding: segmentation.encoding.rawValue, parts: segmentation.parts
        )
        return OutboxMessage(
            messageID: messageID, exchange: SwitchboardTopology.outboundExchange, routingKey: "sms.\(inbound.channel)",
            type: "sms.outbound", contentType: "application/json", correlationID: conversation, traceparent: traceparent,
            mandatory: true, body: try SwitchboardJSON.encoder().encode(sms)
        )
    }
}
