import Foundation

/// The shape of directory ids and names (agents, queues, routing points).
enum DirectoryRules {
    static let maxIDLength = 64
    static let maxNameLength = 200
    static let defaultSMSCapacity = 5
    static let maxCapacity = 100
    /// The channels presence and capacity are kept for. SMS covers MMS too (one desk).
    static let channels = ["sms"]

    /// 1–64 letters, digits, `-`, `_`, `.` or `@` (the ids session uses for queues, and
    /// token subjects for agents).
    static func isValidID(_ id: String) -> Bool {
        (1...maxIDLength).contains(id.count)
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) }
    }

    /// Non-empty after trimming, at most 200 characters, no control characters.
    static func normalizedName(_ raw: String?) -> String? {
        guard let name = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty, name.count <= maxNameLength,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return name
    }
}
