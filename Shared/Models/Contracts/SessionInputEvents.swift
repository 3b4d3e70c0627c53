public import Foundation

/// `message.status`: delivery status of one part of an outbound SMS (from ingest's receipts).
public struct MessageStatus: Codable, Sendable, Equatable {
    /// Our outbound `message_id`.
    public var messageId: String
    /// 1-based part number; nil means every part.
    public var part: Int?
    public var status: String
    /// The carrier's error code of an `undelivered` or `failed` part (Twilio `30003`).
    public var errorCode: String?
    /// The carrier's own words for that failure (`Unreachable destination handset`), shown
    /// to the agent beside the part; absent from messages of publishers that predate it.
    public var errorReason: String?
    public var at: Date

    public init(messageId: String, part: Int?, status: String, errorCode: String?, errorReason: String? = nil, at: Date) {
        self.messageId = messageId
        self.part = part
        self.status = status
        self.errorCode = errorCode
        self.errorReason = errorReason
        self.at = at
    }

    /// The statuses of the contract, in the order a part normally goes through them.
    public static let statuses = ["queued", "sent", "delivered", "undelivered", "failed"]
}

/// `contact.identified` / `contact.assigned`: the interaction's customer is this contact.
public struct ContactLinked: Codable, Sendable, Equatable {
    public var interactionId: String
    public var contactId: String
    public var contactName: String?

    public init(interactionId: String, contactId: String, contactName: String?) {
        self.interactionId = interactionId
        self.contactId = contactId
        self.contactName = contactName
    }
}

/// `consent.changed`: a customer number opted out of (or back into) one organisation number.
public struct ConsentChanged: Codable, Sendable, Equatable {
    /// The customer's number (E.164).
    public var number: String
    /// The organisation number the consent applies to.
    public var orgNumber: String
    /// `opted_in` or `opted_out`.
    public var state: String
    public var at: Date

    public init(number: String, orgNumber: String, state: String, at: Date) {
        self.number = number
        self.orgNumber = orgNumber
        self.state = state
        self.at = at
    }
}

/// `media.stored`: a media item of an inbound message was fetched and stored.
public struct MediaStored: Codable, Sendable, Equatable {
    public var mediaId: String
    public var interactionId: String?
    /// Ingest's id of the message it came with.
    public var messageId: String
    public var contentType: String
    public var bytes: Int
    public var width: Int?
    public var height: Int?

    public init(mediaId: String, interactionId: String?, messageId: String, contentType: String, bytes: Int, width: Int?, height: Int?) {
        self.mediaId = mediaId
        self.interactionId = interactionId
        self.messageId = messageId
        self.contentType = contentType
        self.bytes = bytes
        self.width = width
        self.height = height
    }
}

/// `media.failed`: a media item could not be fetched or stored.
public struct MediaFailed: Codable, Sendable, Equatable {
    public var messageId: String
    public var index: Int
    public var reason: String

    public init(messageId: String, index: Int, reason: String) {
        self.messageId = messageId
        self.index = index
        self.reason = reason
    }
}

/// `callback.scheduled`: a callback was scheduled, possibly from an interaction.
public struct CallbackScheduled: Codable, Sendable, Equatable {
    public var callbackId: String
    public var interactionId: String?
    public var dueAt: Date
    public var scheduledBy: String?
    public var scheduledByName: String?

    public init(callbackId: String, interactionId: String?, dueAt: Date, scheduledBy: String?, scheduledByName: String?) {
        self.callbackId = callbackId
        self.interactionId = interactionId
        self.dueAt = dueAt
        self.scheduledBy = scheduledBy
        self.scheduledByName = scheduledByName
    }
}
