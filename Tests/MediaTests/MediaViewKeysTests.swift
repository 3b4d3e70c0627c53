import Foundation
import SwitchboardTestSupport
import Testing

@testable import Media

/// Every view media answers with writes all of its keys, `null` when unset (issue #13;
/// `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Media views write every key")
struct MediaViewKeysTests {
    let sha256 = String(repeating: "ab", count: 32)

    func expectComplete(_ audit: EncodedKeysAudit, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(audit.missing == [], sourceLocation: sourceLocation)
        #expect(audit.unexpected == [], sourceLocation: sourceLocation)
    }

    /// Not yet placed in an interaction, no dimensions (schema `Media`).
    var bare: MediaView {
        MediaView(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", interactionId: nil, contentType: "application/pdf", bytes: 1024, width: nil,
            height: nil, sha256: sha256, hasThumbnail: false)
    }

    var image: MediaView {
        MediaView(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", interactionId: "0c2b6f1d-0a44-4d8e-9a57-5b1e7c1a3f0d", contentType: "image/png",
            bytes: 2048, width: 640, height: 480, sha256: sha256, hasThumbnail: true)
    }

    @Test func mediaWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: bare)
        expectComplete(audit)
        #expect(audit.nullKeys == ["height", "interaction_id", "width"])
    }

    @Test func mediaWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: image)
        expectComplete(audit)
        #expect(audit.nullKeys == [])
    }

    /// What `MediaRecord.view` makes of a record without interaction or dimensions.
    @Test func mediaFromARecord() throws {
        let record = MediaRecord(
            id: UUID(), messageID: "msg-1", index: 0, interactionID: nil, filename: nil, channel: nil,
            createdAt: Date(timeIntervalSince1970: 1_772_000_000),
            blob: BlobRecord(
                sha256: sha256, contentType: "application/pdf", bytes: 1024, width: nil, height: nil, thumbnailSHA256: nil,
                thumbnailContentType: nil))
        expectComplete(try EncodedKeysAudit(of: record.view))
    }

    /// `GET /v1/media?interaction_id=` (schema `MediaPage`).
    @Test func mediaPage() throws {
        let audit = try EncodedKeysAudit(of: MediaPage(items: [bare, image], next: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["next"])
        expectComplete(try EncodedKeysAudit(of: MediaPage(items: [], next: "cursor")))
    }
}
