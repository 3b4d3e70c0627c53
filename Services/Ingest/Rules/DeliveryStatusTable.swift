import Foundation

/// The one table that turns a carrier's delivery status into the contract's
/// (`queued|sent|delivered|undelivered|failed`, docs/architecture.md section 2). A status that says
/// nothing about delivery (Twilio `receiving`, Vonage `unknown`) maps to nil and is ignored.
///
/// | carrier | status | → |
/// |---|---|---|
/// | queue (`ingest.receipts`) | queued, sent, delivered, undelivered, failed | the same |
/// | Twilio `MessageStatus` | accepted, scheduled, queued | queued |
/// |  | sending, sent | sent |
/// |  | delivered, read | delivered |
/// |  | undelivered | undelivered |
/// |  | failed, canceled | failed |
/// |  | receiving, received, partially_delivered, other | ignored |
/// | Vonage `status` | accepted, buffered | sent (the downstream carrier has it) |
/// |  | delivered | delivered |
/// |  | expired | undelivered |
/// |  | failed, rejected | failed |
/// |  | unknown, other | ignored |
/// | Jasmin `message_status` | ESME_ROK (level 1: the SMSC accepted it) | sent |
/// |  | any other ESME_* (level 1: the SMSC refused it) | failed |
/// |  | ACCEPTD, ENROUTE | sent |
/// |  | DELIVRD | delivered |
/// |  | EXPIRED, DELETED, UNDELIV | undelivered |
/// |  | REJECTD | failed |
/// |  | UNKNOWN, other | ignored |
/// | Kannel `%d` bits | 1 delivered to the phone | delivered |
/// |  | 2 non-delivered to the phone | undelivered |
/// |  | 4 queued on the SMSC | queued |
/// |  | 8 delivered to the SMSC | sent |
/// |  | 16 non-delivered to the SMSC (rejected) | failed |
/// |  | several bits | the most final: 1, then 2, 16, 8, 4 |
enum DeliveryStatusTable {
    enum Source: String, Sendable, CaseIterable {
        case queue, twilio, vonage, jasmin, kannel
    }

    static func status(_ raw: String, from source: Source) -> String? {
        let value = raw.trimmingCharacters(in: .whitespaces)
        switch source {
        case .queue:
            let lower = value.lowercased()
            return ["queued", "sent", "delivered", "undelivered", "failed"].contains(lower) ? lower : nil
        case .twilio:
            switch value.lowercased() {
            case "accepted", "scheduled", "queued": return "queued"
            case "sending", "sent": return "sent"
            case "delivered", "read": return "delivered"
            case "undelivered": return "undelivered"
            case "failed", "canceled": return "failed"
            default: return nil
            }
        case .vonage:
            switch value.lowercased() {
            case "accepted", "buffered": return "sent"
            case "delivered": return "delivered"
            case "expired": return "undelivered"
            case "failed", "rejected": return "failed"
            default: return nil
            }
        case .jasmin:
            let upper = value.uppercased()
            switch upper {
            case "ESME_ROK", "ACCEPTD", "ENROUTE": return "sent"
            case "DELIVRD": return "delivered"
            case "EXPIRED", "DELETED", "UNDELIV": return "undelivered"
            case "REJECTD": return "failed"
            default: return upper.hasPrefix("ESME_") ? "failed" : nil
            }
        case .kannel:
            guard let bits = Int(value), bits > 0 else { return nil }
            if bits & 1 != 0 { return "delivered" }
            if bits & 2 != 0 { return "undelivered" }
            if bits & 16 != 0 { return "failed" }
            if bits & 8 != 0 { return "sent" }
            if bits & 4 != 0 { return "queued" }
            return nil
        }
    }

    /// A carrier error code worth passing on: nil for empty and the "no error" codes.
    static func errorCode(_ raw: String?) -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw.allSatisfy({ $0 == "0" }) ? nil : raw
    }
}
