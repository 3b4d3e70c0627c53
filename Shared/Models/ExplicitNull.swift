/// An optional property that is written as `null` when it has no value, instead of being
/// left out: the API's views and the events promise every key (docs/architecture.md section 3), and
/// Swift's synthesized `Encodable` omits nil optionals.
///
/// With the wrapper the synthesized conformance writes the property like any other, so a
/// property added to a view is in its JSON without anyone remembering to add it to a
/// hand-written `encode(to:)`. Decoding accepts the key missing or `null` as nil.
///
/// ```swift
/// struct CallbackView: Codable {
///     var id: String
///     @ExplicitNull var notes: String?
/// }
/// ```
@propertyWrapper
public struct ExplicitNull<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }
}

extension ExplicitNull: Sendable where Value: Sendable {}
extension ExplicitNull: Equatable where Value: Equatable {}
extension ExplicitNull: Hashable where Value: Hashable {}

extension ExplicitNull: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension ExplicitNull: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }
}

extension KeyedDecodingContainer {
    /// A missing key is nil, as for a plain optional (the synthesized decoder would
    /// otherwise ask for the wrapper's key and fail).
    public func decode<Value: Decodable>(_ type: ExplicitNull<Value>.Type, forKey key: Key) throws -> ExplicitNull<Value> {
        ExplicitNull(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}
