public import Foundation

/// The members of a JSON object, in any order: written sorted by key (the order
/// `JSONEncoder.OutputFormatting.sortedKeys` gives), `nil` values left out (as a
/// synthesised `Encodable` does with optionals) unless added `orNull:`.
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

    public mutating func add(_ key: String, _ values: [String]) {
        add(key, JSONValue.array(values.map(JSONValue.string)))
    }

    /// A string map (case data), its keys as they are: Foundation converts the keys of a
    /// struct, not those of a dictionary.
    public mutating func add(_ key: String, _ map: [String: String]) {
        var object = JSONMembers()
        for (name, value) in map { object.add(name, value) }
        add(key, JSONValue.object(object))
    }

    /// A member whose key is always written, `null` without a value (an ``ExplicitNull``
    /// property), where the other `add` methods leave a nil out.
    public mutating func add(_ key: String, orNull value: JSONValue?) {
        members.append((key, value ?? .null))
    }

    public mutating func add(_ key: String, orNull value: String?) {
        add(key, orNull: value.map(JSONValue.string))
    }

    public mutating func add(_ key: String, orNull value: Date?) {
        add(key, orNull: value.map(JSONValue.date))
    }

    public mutating func add(_ key: String, orNull value: (some DirectJSONEncodable)?) {
        add(key, orNull: value.map { JSONValue.object($0.jsonMembers) })
    }

    /// Sorted as `sortedKeys` sorts: by the keys' UTF-8 bytes.
    var sorted: [(key: String, value: JSONValue)] {
        members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}
