public import Foundation

/// `consent.keyword` (emitted by ingest, applied by contacts): an inbound message whose
/// text is a consent keyword (docs/architecture.md section 4). Emitted in the transaction of its
/// `message.received`; the message is delivered as a message too.
public struct ConsentKeyword: Codable, Sendable, Equatable {
    /// Ingest's id of the message.
    public var messageId: String
    /// The customer's number (E.164).
    public var from: String
    /// The organisation number that was texted (E.164 or short code).
    public var to: String
    /// The keyword as detected, upper case (`STOP`, `START`, `HELP`, ...).
    public var keyword: String
    /// `opt_out`, `opt_in` or `help`.
    public var action: String
    /// When the carrier received the message.
    public var at: Date

    public init(messageId: String, from: String, to: String, keyword: String, action: String, at: Date) {
        self.messageId = messageId
        self.from = from
        self.to = to
        self.keyword = keyword
        self.action = action
        self.at = at
    }
}

/// `contact.unmerged`: merge `id` of `source_id` into `target_id` was undone; both
/// contacts are back as they were before it.
public struct ContactUnmerged: Codable, Sendable, Equatable {
    public var id: String
    public var targetId: String
    public var sourceId: String
    public var at: Date

    public init(id: String, targetId: String, sourceId: String, at: Date) {
        self.id = id
        self.targetId = targetId
        self.sourceId = sourceId
        self.at = at
    }
}
