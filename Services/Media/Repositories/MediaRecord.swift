import Foundation

/// What is known about one distinct content (a row of `media.blobs`).
struct BlobRecord: Sendable, Equatable {
    var sha256: String
    var contentType: String
    var bytes: Int
    var width: Int?
    var height: Int?
    var thumbnailSHA256: String?
    var thumbnailContentType: String?
}

/// One media item of one inbound message, with its content's facts.
struct MediaRecord: Sendable, Equatable {
    var id: UUID
    var messageID: String
    var index: Int
    var interactionID: UUID?
    var filename: String?
    var channel: String?
    var createdAt: Date
    var blob: BlobRecord

    var idString: String { id.uuidString.lowercased() }

    var type: MediaType? { MediaType(rawValue: blob.contentType) }

    var view: MediaView {
        MediaView(
            id: idString, interactionId: interactionID?.uuidString.lowercased(), contentType: blob.contentType,
            bytes: blob.bytes, width: blob.width, height: blob.height, sha256: blob.sha256,
            hasThumbnail: blob.thumbnailSHA256 != nil
        )
    }
}

/// A media item as the API returns it (DESIGN.md section 3); every key always present.
struct MediaView: Codable, Sendable, Equatable {
    var id: String
    var interactionId: String?
    var contentType: String
    var bytes: Int
    var width: Int?
    var height: Int?
    var sha256: String
    var hasThumbnail: Bool

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(interactionId, forKey: .interactionId)
        try container.encode(contentType, forKey: .contentType)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(hasThumbnail, forKey: .hasThumbnail)
    }
}

/// `GET /v1/media?interaction_id=`.
struct MediaPage: Codable, Sendable, Equatable {
    var items: [MediaView]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }
}
