import Foundation
import Synchronization

/// Foundation's `convertToSnakeCase` / `convertFromSnakeCase` key conversions, remembered.
///
/// Foundation converts every key of every object again on each encode and decode (a
/// Unicode-aware scan per key): about 6 % of a service's CPU at 1,000 messages a second.
/// The contract's keys are a few hundred strings, so each is converted once — by Foundation
/// itself, through a one-key document, so the result is exactly what its strategies give —
/// and looked up afterwards. The memory is bounded: past ``capacity`` distinct keys (keys of
/// free-form maps), conversions are computed and not kept.
enum SnakeCaseKeys {
    static let capacity = 4_096

    private static let toSnake = Mutex<[String: String]>([:])
    private static let fromSnake = Mutex<[String: String]>([:])

    /// `messageId` → `message_id`, as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`.
    static func snakeCase(_ key: String) -> String {
        if let known = toSnake.withLock({ $0[key] }) { return known }
        let converted = foundationSnakeCase(key)
        toSnake.withLock { if $0.count < capacity { $0[key] = converted } }
        return converted
    }

    /// `message_id` → `messageId`, as `JSONDecoder.KeyDecodingStrategy.convertFromSnakeCase`.
    static func camelCase(_ key: String) -> String {
        if let known = fromSnake.withLock({ $0[key] }) { return known }
        let converted = foundationCamelCase(key)
        fromSnake.withLock { if $0.count < capacity { $0[key] = converted } }
        return converted
    }

    /// The encoding strategy: the last key of the path, converted.
    static let encodingStrategy = JSONEncoder.KeyEncodingStrategy.custom { path in
        AnyCodingKey(snakeCase(path.last?.stringValue ?? ""))
    }

    /// The decoding strategy: the last key of the path (as written in the document), converted.
    static let decodingStrategy = JSONDecoder.KeyDecodingStrategy.custom { path in
        AnyCodingKey(camelCase(path.last?.stringValue ?? ""))
    }

    static func foundationSnakeCase(_ key: String) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let document = try? encoder.encode(OneKeyDocument(key: key)),
            let object = try? JSONDecoder().decode([String: Int].self, from: document),
            let converted = object.keys.first
        else { return key }
        return converted
    }

    static func foundationCamelCase(_ key: String) -> String {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let document = try? JSONEncoder().encode([key: 0]),
            let probe = try? decoder.decode(OneKeyDocument.self, from: document)
        else { return key }
        return probe.key
    }
}

/// `{"<key>": 0}`: encoding it shows what a key strategy makes of `key`; decoding one reads
/// back the (converted) key it holds.
private struct OneKeyDocument: Codable {
    var key: String

    init(key: String) {
        self.key = key
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        key = container.allKeys.first?.stringValue ?? ""
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encode(0, forKey: AnyCodingKey(key))
    }
}
