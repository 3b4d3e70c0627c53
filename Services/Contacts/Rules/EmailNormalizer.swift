import Foundation

/// Email addresses as contacts store and look them up (issue #5): surrounding whitespace
/// trimmed, the domain lowercased, the local part kept as written (RFC 5321 lets a server
/// treat `Kate` and `kate` as different mailboxes, so only the domain is case-folded).
///
/// Deliberately small, not an RFC 5322 parser: one `@` separating a non-empty local part
/// (at most 64 characters, no whitespace or control characters) from a domain of
/// dot-separated labels (letters, digits, `-`, not starting or ending with `-`; at least
/// two labels), 254 characters in all.
struct EmailNormalizer: Sendable {
    static let maxLength = 254
    static let maxLocalLength = 64

    enum Failure: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong
        case missingAt
        case badLocalPart
        case badDomain

        var description: String {
            switch self {
            case .empty: "is empty"
            case .tooLong: "is longer than \(EmailNormalizer.maxLength) characters"
            case .missingAt: "has no @ between a name and a domain"
            case .badLocalPart: "has an invalid part before the @"
            case .badDomain: "has an invalid domain"
            }
        }
    }

    func normalize(_ raw: String) throws(Failure) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.count <= Self.maxLength else { throw .tooLong }
        guard let at = trimmed.lastIndex(of: "@") else { throw .missingAt }
        let local = trimmed[..<at]
        let domain = trimmed[trimmed.index(after: at)...].lowercased()
        guard !local.isEmpty, !domain.isEmpty else { throw .missingAt }
        guard local.count <= Self.maxLocalLength, !local.contains("@"),
            local.unicodeScalars.allSatisfy({ !Self.isSpaceOrControl($0) }),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { throw .badLocalPart }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(Self.isValidLabel) else { throw .badDomain }
        return "\(local)@\(domain)"
    }

    private static func isSpaceOrControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            || scalar.properties.generalCategory == .format
    }

    /// A DNS label: 1–63 characters; letters (any script, for IDN domains), digits and `-`,
    /// not at either end.
    private static func isValidLabel(_ label: Substring) -> Bool {
        guard !label.isEmpty, label.count <= 63, label.first != "-", label.last != "-" else { return false }
        return label.unicodeScalars.allSatisfy { scalar in
            scalar == "-" || scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
        }
    }
}
