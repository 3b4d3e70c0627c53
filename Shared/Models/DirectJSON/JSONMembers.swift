public import Foundation

/// The members of a JSON object, in any order: written sorted by key (the order
/// `JSONEncoder.OutputFormatting.sortedKeys` gives), `nil` values left out (as a
/// synthesised `Encodable` does with optionals).
public struct JSONMembers: Sendable {
    private(set) var members: [(key: String, value: JSONValue)] = []

    public init() {}

    public mutating func add(_ key: String, _ value: JSONValue?) {
        if let value { members.append((key, value)) }
    }

    public mutating func add(_ key: String, _ value: String?) {
        add(key, value.map(JSONValue.string))
    }

    public mutating func add(_ key: String, _ value: Int?) {
        add(key, value.map { JSONValue.integer(Int64($0)) })
    }

    public mutating func add(_ key: String, _ value: Int64?) {
        add(key, value.map(JSONValue.integer))
    }

    public mutating func add(_ key: String, _ value: Bool?) {
        add(key, value.map(JSONValue.bool))
    }

    public mutating func add(_ key: String, _ value: Date?) {
        add(key, value.map(JSONValue.date))
    }

    public mutating func add(_ key: String, _ value: some DirectJSONEncodable) {
        add(key, JSONValue.object(value.jsonMembers))
    }

    public mutating func add(_ key: String, _ values: [some DirectJSONEncodable]) {
        add(key, JSONValue.array(values.map { .object($0.jsonMembers) }))
    }

    /// Sorted as `sortedKeys` sorts: by the keys' UTF-8 bytes.
    var sorted: [(key: String, value: JSONValue)] {
        members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}
