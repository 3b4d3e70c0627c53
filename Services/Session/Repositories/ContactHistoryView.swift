/// "3 message exchanges with this contact in the past 24 hours" beside an interaction
/// (docs/architecture.md section 10.3): counted by session from its own tables over the
/// interactions of the same contact, or, while the contact is unknown, of the same customer
/// number with the same organisation number — this interaction included.
struct ContactHistoryView: Codable, Sendable, Equatable {
    /// Messages either way (inbound from the customer, replies to them; one per message,
    /// however many SMS parts) in those interactions in the past 24 hours. System entries do
    /// not count.
    var messageExchanges24h: Int
    /// Those interactions that are open now or closed in the past 24 hours.
    var openOrRecentInteractions: Int

    /// The keys as written: the encoder's snake case would make `message_exchanges24h` of
    /// the property's name (digits start no word).
    enum CodingKeys: String, CodingKey {
        case messageExchanges24h = "message_exchanges_24h"
        case openOrRecentInteractions = "open_or_recent_interactions"
    }

    init(messageExchanges24h: Int, openOrRecentInteractions: Int) {
        self.messageExchanges24h = messageExchanges24h
        self.openOrRecentInteractions = openOrRecentInteractions
    }

    /// The contract's decoder hands keys over converted to camel case, and what it makes of
    /// `_24h` depends on Foundation's title casing (`24h` or `24H`): each key is found by its
    /// letters and digits, whatever the case and underscores.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        func value(_ key: CodingKeys) throws -> Int {
            let wanted = Self.letters(of: key.stringValue)
            guard let found = container.allKeys.first(where: { Self.letters(of: $0.stringValue) == wanted }) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: decoder.codingPath, debugDescription: "\(key.stringValue) is missing"))
            }
            return try container.decode(Int.self, forKey: found)
        }
        messageExchanges24h = try value(.messageExchanges24h)
        openOrRecentInteractions = try value(.openOrRecentInteractions)
    }

    private static func letters(of key: String) -> String {
        String(key.lowercased().filter { $0 != "_" })
    }

    /// Any key of the object, as the decoder names it.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
