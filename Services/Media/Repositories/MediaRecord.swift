import Foundation
import SwitchboardModels

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

/// A media item as the API returns it (docs/architecture.md section 3); every key always present.
struct MediaView: Codable, Sendable, Equatable {
    var id: String
    @ExplicitNull var interactionId: String?
    var contentType: String
    var bytes: Int
    @ExplicitNull var width: Int?
    @ExplicitNull var height: Int?
    var sha256: String
    var hasThumbnail: Bool
}

/// `GET /v1/media?interaction_id=`.
struct MediaPage: Codable, Sendable, Equatable {
    var items: [MediaView]
    @ExplicitNull var next: String?
}
