import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// What ingest does with an outbound SMS from `switchboard.outbound` (docs/architecture.md
/// 10.1), decided without I/O from the message and its channel.
enum OutboundPlan: Sendable, Equatable {
    /// Send these SMS, in this order.
    case send([QueuedSMS])
    /// Nobody here sends for the channel: the message goes to `outbound.unrouted`, with the reason.
    case unsendable(reason: String)

    /// - Parameters:
    ///   - channel: the channel as stored, nil when there is none of that name.
    ///   - reference: makes each SMS's reference (random in production).
    static func plan(
        _ sms: OutboundSMS, channel: ChannelSettings?, traceparent: String?, reference: () -> String = Self.newReference
    ) throws(InvalidMessage) -> OutboundPlan {
        guard !sms.messageId.isEmpty, sms.messageId.count <= 256 else { throw InvalidMessage("message_id must be 1-256 characters") }
        guard !sms.to.isEmpty, sms.to.count <= 32 else { throw InvalidMessage("to must be 1-32 characters") }
        guard !sms.from.isEmpty, sms.from.count <= 32 else { throw InvalidMessage("from must be 1-32 characters") }
        guard ["gsm7", "ucs2"].contains(sms.encoding) else { throw InvalidMessage("encoding must be gsm7 or ucs2") }
        guard !sms.text.isEmpty else { throw InvalidMessage("text is empty") }
        guard !sms.parts.isEmpty, sms.parts.count <= 50, sms.parts.allSatisfy({ !$0.isEmpty }) else {
            throw InvalidMessage("parts must list 1-50 non-empty SMS")
        }
        guard let channel else { return .unsendable(reason: "no channel named \(sms.channel)") }
        guard channel.carrier != .amqp else { return .unsendable(reason: "channel \(sms.channel) is sent by external connectors (amqp)") }
        guard let outbound = channel.outbound, outbound.enabled else {
            return .unsendable(reason: "channel \(sms.channel) does not send (outbound.enabled is false)")
        }
        let from = outbound.from ?? sms.from
        func row(part: Int, text: String) -> QueuedSMS {
            QueuedSMS(
                messageID: sms.messageId, part: part, partsTotal: sms.parts.count, channel: channel.name, interactionID: sms.interactionId,
                from: from, to: sms.to, text: text, encoding: sms.encoding, reference: reference(), traceparent: traceparent
            )
        }
        if outbound.concatenate || sms.parts.count == 1 {
            // One submission; a single-part message keeps its part number 1.
            return .send([row(part: sms.parts.count == 1 ? 1 : 0, text: sms.parts.count == 1 ? sms.parts[0] : sms.text)])
        }
        return .send(sms.parts.enumerated().map { row(part: $0.offset + 1, text: $0.element) })
    }

    static func newReference() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
