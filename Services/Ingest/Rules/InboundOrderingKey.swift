import Foundation
import SwitchboardModels

/// The conversation of a raw inbound message, for the consumer's ordering: two
/// messages of one conversation are never accepted concurrently by one ingest instance,
/// so they keep their queue order. Unparseable messages have no key (they are rejected
/// anyway).
struct InboundOrderingKey: Sendable {
    let defaultRegion: String
    private let normalizer = PhoneNumberNormalizer()

    private struct Numbers: Decodable {
        var from: String?
        var to: String?
    }

    func key(for body: Data) -> String? {
        guard let numbers = try? JSONDecoder().decode(Numbers.self, from: body),
            let from = numbers.from, let to = numbers.to,
            let customer = try? normalizer.normalize(from, defaultRegion: defaultRegion),
            let organisation = try? normalizer.normalizeAddress(to, defaultRegion: defaultRegion)
        else { return nil }
        return ConversationKey.make(customer: customer, organisation: organisation)
    }
}
