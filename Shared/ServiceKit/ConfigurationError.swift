/// A configuration variable that is missing or invalid. The description names the
/// variable and why, never its value (it may be a secret).
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(variable: String)
    case invalid(variable: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let variable): "configuration error: \(variable) is required but not set"
        case .invalid(let variable, let reason): "configuration error: \(variable) is invalid: \(reason)"
        }
    }
}
