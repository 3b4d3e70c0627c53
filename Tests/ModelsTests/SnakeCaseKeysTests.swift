import Foundation
import Testing

@testable import SwitchboardModels

@Suite("Remembered snake-case key conversion")
struct SnakeCaseKeysTests {
    /// Keys of every shape the conversion has rules for.
    static let keys = [
        "messageId", "interactionId", "mediaCount", "receivedAt", "myURLProperty", "URLValue", "xmlContents", "a1B2c3",
        "_leading", "trailing_", "__both__", "already_snake", "snake_With_Caps", "ALLCAPS", "id", "", "ünïcödéKey",
        "emoji🙂Key", "with space", "message_id", "feeFiFoFum", "HTTPHeaders", "x",
    ]

    struct Nested: Codable, Equatable {
        var innerValue: Int
        var someURLs: [String]
        var optionalField: String?
    }

    struct Sample: Codable, Equatable {
        var messageId: String
        var receivedAt: Date
        var nestedItems: [Nested]
        var freeFormMap: [String: String]
    }

    private var sample: Sample {
        Sample(
            messageId: "m-1", receivedAt: Date(timeIntervalSince1970: 1_795_445_061.967),
            nestedItems: [
                Nested(innerValue: 1, someURLs: ["https://a"], optionalField: nil), Nested(innerValue: 2, someURLs: [], optionalField: "x"),
            ],
            freeFormMap: Dictionary(uniqueKeysWithValues: Self.keys.map { ($0, $0) })
        )
    }

    private func foundationEncoder() -> JSONEncoder {
        let encoder = SwitchboardJSON.encoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    private func foundationDecoder() -> JSONDecoder {
        let decoder = SwitchboardJSON.decoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    @Test(arguments: keys)
    func convertsEachKeyAsFoundationDoes(key: String) {
        #expect(SnakeCaseKeys.snakeCase(key) == SnakeCaseKeys.foundationSnakeCase(key))
        #expect(SnakeCaseKeys.camelCase(key) == SnakeCaseKeys.foundationCamelCase(key))
        // Remembered: asking again gives the same.
        #expect(SnakeCaseKeys.snakeCase(key) == SnakeCaseKeys.foundationSnakeCase(key))
    }

    @Test func knownConversions() {
        #expect(SnakeCaseKeys.snakeCase("messageId") == "message_id")
        #expect(SnakeCaseKeys.snakeCase("myURLProperty") == "my_url_property")
        #expect(SnakeCaseKeys.camelCase("message_id") == "messageId")
        #expect(SnakeCaseKeys.camelCase("_leading_key") == "_leadingKey")
    }

    @Test func encodesTheSameBytesAsFoundationsStrategy() throws {
        #expect(try SwitchboardJSON.encoder().encode(sample) == foundationEncoder().encode(sample))
    }

    @Test func decodesTheSameValuesAsFoundationsStrategy() throws {
        for document in [try foundationEncoder().encode(sample), try JSONEncoder().encode(sample)] {
            let ours = Result { try SwitchboardJSON.decoder().decode(Sample.self, from: document) }
            let theirs = Result { try foundationDecoder().decode(Sample.self, from: document) }
            switch (ours, theirs) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure, .failure): break
            default: Issue.record("decoders disagree: \(ours) vs \(theirs)")
            }
        }
    }

    @Test func stopsRememberingPastItsCapacity() {
        for index in 0..<(SnakeCaseKeys.capacity + 10) {
            let key = "generatedKey\(index)"
            #expect(SnakeCaseKeys.snakeCase(key) == "generated_key\(index)")
        }
    }
}
