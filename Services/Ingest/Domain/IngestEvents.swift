import Foundation

/// A delivery receipt published to `ingest.receipts` (docs/architecture.md section 2):
/// `{"message_id", "part", "id", "channel", "status", "error_code", "at"}`.
struct DeliveryReceipt: Decodable, Sendable, Equatable {
    var messageId: String?
    var part: Int?
    var id: String?
    var channel: String?
    var status: String?
    var errorCode: String?
    var at: String?

    init(messageId: String?, part: Int?, id: String?, channel: String?, status: String?, errorCode: String?, at: String?) {
        self.messageId = messageId
        self.part = part
        self.id = id
        self.channel = channel
        self.status = status
        self.errorCode = errorCode
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case messageId, part, id, channel, status, errorCode, at
    }

    /// `error_code` may be a string or a number.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageId = try container.decodeIfPresent(String.self, forKey: .messageId)
        part = try container.decodeIfPresent(Int.self, forKey: .part)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        channel = try container.decodeIfPresent(String.self, forKey: .channel)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        if let number = try? container.decodeIfPresent(Int.self, forKey: .errorCode) {
            errorCode = String(number)
        } else {
            errorCode = try container.decodeIfPresent(String.self, forKey: .errorCode)
        }
        at = try container.decodeIfPresent(String.self, forKey: .at)
    }
}
