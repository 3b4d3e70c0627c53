/// The inbound message other systems publish to `ingest.messages` (docs/architecture.md section 2).
/// Optional on the wire where the contract allows; ingest validates the rest.
public struct InboundMessage: Codable, Sendable, Equatable {
    public struct Media: Codable, Sendable, Equatable {
        public var url: String?
        public var data: String?
        public var contentType: String?
        public var filename: String?

        public init(url: String? = nil, data: String? = nil, contentType: String? = nil, filename: String? = nil) {
            self.url = url
            self.data = data
            self.contentType = contentType
            self.filename = filename
        }
    }

    /// One part of a concatenated SMS.
    public struct Part: Codable, Sendable, Equatable {
        public var ref: Int
        public var total: Int
        public var seq: Int

        public init(ref: Int, total: Int, seq: Int) {
            self.ref = ref
            self.total = total
            self.seq = seq
        }
    }

    public var id: String?
    public var channel: String?
    public var from: String?
    public var to: String?
    public var text: String?
    public var receivedAt: String?
    public var media: [Media]?
    public var part: Part?

    public init(
        id: String?, channel: String? = nil, from: String?, to: String?, text: String?,
        receivedAt: String? = nil, media: [Media]? = nil, part: Part? = nil
    ) {
        self.id = id
        self.channel = channel
        self.from = from
        self.to = to
        self.text = text
        self.receivedAt = receivedAt
        self.media = media
        self.part = part
    }
}
