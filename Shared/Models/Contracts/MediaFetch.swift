import Foundation

/// The command `media.fetch` (exchange `switchboard.commands`, routing key `media.fetch`,
/// queue `media.commands`), sent by ingest for each media item of an inbound MMS. Exactly
/// one of `url` and `data` is set.
///
/// ```json
/// {"message_id": "<ingest's message id>", "interaction_id": null, "index": 0,
///  "channel": "twilio-main", "url": "https://..." | null, "data": "<base64>" | null,
///  "content_type_hint": "image/png" | null, "filename": null,
///  "credentials_ref": "twilio-main" | null}
/// ```
///
/// `credentials_ref` names the channel whose credentials (``MediaCredentials``) may be
/// sent as HTTP basic auth, to the original URL's origin only. `content_type_hint` is
/// logged, never trusted: the type comes from the bytes.
///
public struct MediaFetch: Codable, Sendable, Equatable {
    public var messageId: String
    public var interactionId: String?
    public var index: Int
    public var channel: String?
    public var url: String?
    public var data: String?
    public var contentTypeHint: String?
    public var filename: String?
    public var credentialsRef: String?

    public init(
        messageId: String, interactionId: String? = nil, index: Int, channel: String? = nil, url: String? = nil,
        data: String? = nil, contentTypeHint: String? = nil, filename: String? = nil, credentialsRef: String? = nil
    ) {
        self.messageId = messageId
        self.interactionId = interactionId
        self.index = index
        self.channel = channel
        self.url = url
        self.data = data
        self.contentTypeHint = contentTypeHint
        self.filename = filename
        self.credentialsRef = credentialsRef
    }

    /// The contract's rules, as a reason to dead-letter a command that breaks them.
    public func validationError() -> String? {
        if messageId.isEmpty || messageId.count > 200 { return "message_id must be 1 to 200 characters" }
        if index < 0 || index > 99 { return "index must be 0 to 99" }
        switch (url, data) {
        case (nil, nil): return "one of url and data is required"
        case (.some, .some): return "only one of url and data may be set"
        default: break
        }
        if let interactionId, UUID(uuidString: interactionId) == nil { return "interaction_id must be a UUID" }
        if let filename, filename.count > 1000 { return "filename is longer than 1000 characters" }
        return nil
    }
}
