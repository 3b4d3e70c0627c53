import Foundation
import SwitchboardModels

/// `{"id", "name"}` of a contact or an agent.
struct PartyView: Codable, Sendable, Equatable {
    var id: String
    var name: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
    }
}

/// An author of a transcript entry.
struct AuthorView: Codable, Sendable, Equatable {
    var type: String
    var id: String?
    var name: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
    }
}

/// A transcript entry as the API shows it (DESIGN.md section 3).
struct TranscriptEntryView: Codable, Sendable, Equatable {
    var seq: Int
    var kind: String
    var direction: String?
    var author: AuthorView
    var text: String
    var at: Date
    var media: [String]
    var parts: [PartView]
    var entities: TranscriptEntities

    struct PartView: Codable, Sendable, Equatable {
        var text: String
        var status: String
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(kind, forKey: .kind)
        try container.encode(direction, forKey: .direction)
        try container.encode(author, forKey: .author)
        try container.encode(text, forKey: .text)
        try container.encode(at, forKey: .at)
        try container.encode(media, forKey: .media)
        try container.encode(parts, forKey: .parts)
        try container.encode(entities, forKey: .entities)
    }
}

/// An interaction as the API shows it; every key is present (`null` when unset).
struct InteractionView: Codable, Sendable, Equatable {
    var id: String
    var state: String
    var mode: String
    var media: String
    var channel: String
    var from: String
    var to: String
    var queue: String
    var origin: String
    var contact: PartyView?
    var owner: PartyView?
    var createdAt: Date
    var closedAt: Date?
    var closeReason: String?
    var elapsedSeconds: Int
    var disposition: String?
    var note: String?
    var caseData: [String: String]
    /// Present on single reads, absent from lists.
    var transcript: [TranscriptEntryView]?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(mode, forKey: .mode)
        try container.encode(media, forKey: .media)
        try container.encode(channel, forKey: .channel)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(queue, forKey: .queue)
        try container.encode(origin, forKey: .origin)
        try container.encode(contact, forKey: .contact)
        try container.encode(owner, forKey: .owner)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(closeReason, forKey: .closeReason)
        try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try container.encode(disposition, forKey: .disposition)
        try container.encode(note, forKey: .note)
        try container.encode(caseData, forKey: .caseData)
        try container.encodeIfPresent(transcript, forKey: .transcript)
    }
}

/// A page of a list: `{"items": [...], "next": "<cursor>" | null}`.
struct ListPage<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }
}
