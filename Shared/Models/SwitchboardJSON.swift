public import Foundation

/// The JSON conventions of the contract: `snake_case` keys, RFC 3339 UTC times.
/// Every service encodes and decodes messages and HTTP bodies through these.
public enum SwitchboardJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // convertToSnakeCase, remembered per key (SnakeCaseKeys).
        encoder.keyEncodingStrategy = SnakeCaseKeys.encodingStrategy
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(from: date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        // convertFromSnakeCase, remembered per key (SnakeCaseKeys).
        decoder.keyDecodingStrategy = SnakeCaseKeys.decodingStrategy
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        return decoder
    }
}
