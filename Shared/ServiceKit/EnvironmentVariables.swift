import Foundation

/// Typed access to environment variables, each read once at start-up and validated.
public struct EnvironmentVariables: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// A value that must be present and non-empty.
    public func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = values[name], !value.isEmpty else { throw .missing(variable: name) }
        return value
    }

    /// A value with a default when unset or empty.
    public func string(_ name: String, default defaultValue: String) -> String {
        guard let value = values[name], !value.isEmpty else { return defaultValue }
        return value
    }

    /// An integer within `range`, with a default.
    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = values[name], !text.isEmpty else { return defaultValue }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw .invalid(variable: name, reason: "expected a whole number")
        }
        guard range.contains(value) else {
            throw .invalid(variable: name, reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// One of `allowed`, with a default.
    public func choice(_ name: String, default defaultValue: String, allowed: [String]) throws(ConfigurationError) -> String {
        let value = string(name, default: defaultValue).lowercased()
        guard allowed.contains(value) else {
            throw .invalid(variable: name, reason: "expected one of \(allowed.joined(separator: ", "))")
        }
        return value
    }
}
