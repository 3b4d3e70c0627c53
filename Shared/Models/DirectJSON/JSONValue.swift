public import Foundation

/// A JSON value for ``JSONMembers``.
public indirect enum JSONValue: Sendable {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    /// Written as an RFC 3339 string (``RFC3339/string(from:)``), as the contract's dates are.
    case date(Date)
    case object(JSONMembers)
    case array([JSONValue])
    /// What ``ExplicitNull`` writes for a property without a value: the views keep every key.
    case null
}
