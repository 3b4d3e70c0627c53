import Foundation
import SwitchboardTestSupport
import Testing

@testable import SwitchboardModels

/// The shared contracts that promise their keys write them (issue #13; `EncodedKeysAudit`),
/// and the audit itself: that it would catch a view losing a key.
@Suite("Shared contracts write every key; the audit catches a missing one")
struct ModelsViewKeysTests {
    /// `interaction.assign`: `agent_name` and `expected_owner_id` are written as `null`;
    /// `transfer_id` is left out when nil (the contract's `"transfer_id"?`,
    /// docs/architecture.md section 2), so it is the one key missing.
    @Test func interactionAssignWithNothingSet() throws {
        let command = InteractionAssign(
            interactionId: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", agentId: "kate", agentName: nil, expectedOwnerId: nil, reason: "routed",
            transferId: nil)
        let audit = try EncodedKeysAudit(of: command)
        #expect(audit.missing == ["transfer_id"])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == ["agent_name", "expected_owner_id"])
    }

    @Test func interactionAssignWithEverythingSet() throws {
        let command = InteractionAssign(
            interactionId: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", agentId: "kate", agentName: "Kate Lewis", expectedOwnerId: "sam",
            reason: "transferred", transferId: "0c2b6f1d-0a44-4d8e-9a57-5b1e7c1a3f0d")
        let audit = try EncodedKeysAudit(of: command)
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == [])
    }

    /// `interaction.message.updated` and the views the interaction events carry: every key,
    /// `null` when unset (transfer's live stream forwards them to desktops as they are).
    @Test func interactionMessageUpdatedAndTheViewsItCarries() throws {
        let entry = TranscriptEntryView(
            seq: 3, kind: "message", direction: nil, author: AuthorView(type: "system", id: nil, name: nil), text: "Hi",
            at: Date(timeIntervalSince1970: 0), media: [], parts: [.init(text: "Hi", status: "queued")], entities: .empty)
        let updated = try EncodedKeysAudit(of: InteractionMessageUpdated(interactionId: "i-1", seq: 3, entry: entry, at: Date()))
        #expect(updated.isComplete, "\(updated)")
        let audit = try EncodedKeysAudit(of: entry)
        #expect(audit.isComplete && audit.nullKeys == ["direction"], "\(audit)")
        #expect(try EncodedKeysAudit(of: entry.parts[0]).nullKeys == ["error_code", "error_reason"])
        #expect(try EncodedKeysAudit(of: entry.author).nullKeys == ["id", "name"])
        let interaction = InteractionView(
            id: "i-1", state: "queued", mode: "page", media: "sms", channel: "default", from: "+14155550100", to: "+14155550199",
            queue: "sms", origin: "Inbound SMS Page Mode", contact: nil, owner: nil, createdAt: Date(), closedAt: nil, closeReason: nil,
            elapsedSeconds: 0, disposition: nil, note: nil, caseData: [:])
        let view = try EncodedKeysAudit(of: interaction)
        #expect(view.missing == ["transcript"], "events carry it without its transcript")
        #expect(view.nullKeys == ["close_reason", "closed_at", "contact", "disposition", "note", "owner"])
    }

    // MARK: The audit catches a regression

    /// A view whose optional lost its `@ExplicitNull`: a plain optional is left out when nil.
    struct PlainOptionalView: Encodable {
        var id: String
        var x: String?
    }

    /// The same view written right.
    struct ExplicitNullView: Encodable {
        var id: String
        @ExplicitNull var x: String?
    }

    @Test func plainOptionalIsReportedMissing() throws {
        let audit = try EncodedKeysAudit(of: PlainOptionalView(id: "v-1", x: nil))
        #expect(audit.missing == ["x"])
        #expect(audit.unexpected == [])
        #expect(!audit.isComplete)
        // Set, it is there: only the nil case catches the regression.
        #expect(try EncodedKeysAudit(of: PlainOptionalView(id: "v-1", x: "set")).isComplete)
    }

    @Test func explicitNullIsWrittenAsNull() throws {
        let audit = try EncodedKeysAudit(of: ExplicitNullView(id: "v-1", x: nil))
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == ["x"])
        #expect(audit.isComplete)
    }

    /// Property names are converted by the encoder's own key strategy, acronyms and
    /// digits included.
    struct AwkwardNames: Encodable {
        var messageId: String
        var publicBaseURL: String
        var sha256: String
        var count24h: Int
        @ExplicitNull var hasThumbnailURL: String?
    }

    @Test func namesAreConvertedAsTheEncoderConvertsThem() throws {
        let audit = try EncodedKeysAudit(of: AwkwardNames(messageId: "m", publicBaseURL: "u", sha256: "s", count24h: 1, hasThumbnailURL: nil))
        #expect(audit.isComplete)
        #expect(audit.keys == ["count24h", "has_thumbnail_url", "message_id", "public_base_url", "sha256"])
    }

    /// A key renamed by `CodingKeys` is both missing and unexpected until named, and a key
    /// a hand-written `encode(to:)` adds is unexpected.
    struct RenamedAndExtra: Encodable {
        var count24h: Int
        @ExplicitNull var next: String?

        enum CodingKeys: String, CodingKey {
            case count24h = "count_24h"
            case next
            case extra
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(count24h, forKey: .count24h)
            try container.encode(_next, forKey: .next)
            try container.encodeNil(forKey: .extra)
        }
    }

    @Test func renamedAndAddedKeysAreReportedApart() throws {
        let value = RenamedAndExtra(count24h: 3, next: nil)
        let untold = try EncodedKeysAudit(of: value)
        #expect(untold.missing == ["count24h"])
        #expect(untold.unexpected == ["count_24h", "extra"])
        let told = try EncodedKeysAudit(of: value, codingKeys: ["count24h": "count_24h"])
        #expect(told.missing == [])
        #expect(told.unexpected == ["extra"])
        #expect(told.nullKeys == ["extra", "next"])
    }

    @Test func aValueThatIsNotAnObjectIsRefused() {
        #expect(throws: EncodedKeysAudit.NotAnObject.self) { try EncodedKeysAudit(of: ["not", "an", "object"]) }
    }
}
