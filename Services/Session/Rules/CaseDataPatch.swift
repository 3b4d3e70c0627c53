import Foundation

/// JSON merge patch (RFC 7386) of case data, whose values are strings: a string sets a
/// key, `null` removes it. Bounded so one interaction cannot grow without limit.
struct CaseDataPatch: Sendable, Equatable {
    static let maxKeys = 50
    static let maxKeyLength = 64
    static let maxValueLength = 1024

    /// Key → new value, or nil to remove.
    let changes: [String: String?]

    /// Parses a JSON object body; anything but string or null values is refused.
    init(json: Data) throws(CaseDataError) {
        guard let object = try? JSONSerialization.jsonObject(with: json), let dictionary = object as? [String: Any] else {
            throw .notAnObject
        }
        var changes: [String: String?] = [:]
        for (key, value) in dictionary {
            guard !key.isEmpty, key.count <= Self.maxKeyLength else { throw .badKey(key) }
            switch value {
            case is NSNull: changes[key] = .some(nil)
            case let string as String:
                guard string.count <= Self.maxValueLength else { throw .valueTooLong(key) }
                changes[key] = .some(string)
            default: throw .notAString(key)
            }
        }
        self.changes = changes
    }

    init(changes: [String: String?]) {
        self.changes = changes
    }

    func applied(to current: [String: String]) throws(CaseDataError) -> [String: String] {
        var result = current
        for (key, value) in changes {
            if let value { result[key] = value } else { result.removeValue(forKey: key) }
        }
        guard result.count <= Self.maxKeys else { throw .tooManyKeys }
        return result
    }
}

/// Why a case-data patch was refused (422).
enum CaseDataError: Error, Equatable, CustomStringConvertible {
    case notAnObject
    case badKey(String)
    case notAString(String)
    case valueTooLong(String)
    case tooManyKeys

    var description: String {
        switch self {
        case .notAnObject: "case data patch must be a JSON object"
        case .badKey: "case data keys must be 1-\(CaseDataPatch.maxKeyLength) characters"
        case .notAString(let key): "case data value of \(key) must be a string or null"
        case .valueTooLong(let key): "case data value of \(key) is longer than \(CaseDataPatch.maxValueLength) characters"
        case .tooManyKeys: "case data may hold at most \(CaseDataPatch.maxKeys) keys"
        }
    }
}
