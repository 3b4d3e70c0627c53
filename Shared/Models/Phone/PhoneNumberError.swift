/// Why a phone number (or SMS address) could not be normalised to E.164.
///
/// The cases are coarse on purpose: callers map them to API validation errors and to
/// dead-letter reasons, so they say what kind of problem the input has without echoing it.
/// ``description`` never contains the number itself, because these texts end up in logs,
/// API responses and dead-letter queues where a phone number is personal data.
public enum PhoneNumberError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input has no digits at all (empty, only whitespace, only separators or `tel:`).
    case empty
    /// The input contains something other than digits, one leading `+` and visual
    /// separators, such as letters (vanity numbers are not accepted) or other symbols.
    case invalidCharacters
    /// The default region is not an ISO 3166 alpha-2 code with numbering-plan data. This is
    /// a configuration problem of the caller rather than of the number.
    case unknownRegion(String)
    /// The number is international but does not start with an assigned ITU-T E.164 country
    /// calling code (for example `+999`, or a `0` right after the `+`).
    case unknownCountryCode
    /// The national significant number has fewer digits than its country allows.
    case tooShort
    /// The number has more than the 15 digits E.164 allows, or more national digits than its
    /// country allows.
    case tooLong
    /// The length is possible but the number cannot exist in its country's numbering plan
    /// (for example a NANP area code or exchange starting with 0 or 1).
    case invalidNationalNumber

    public var description: String {
        switch self {
        case .empty:
            "phone number is empty"
        case .invalidCharacters:
            "phone number contains characters other than digits, a leading '+' and the separators space - . ( ) /"
        case .unknownRegion(let region):
            Self.looksLikeRegionCode(region)
                ? "unknown default region '\(region)': expected an ISO 3166 alpha-2 code with phone numbering data"
                : "unknown default region: expected an ISO 3166 alpha-2 code with phone numbering data"
        case .unknownCountryCode:
            "phone number does not start with an assigned country calling code"
        case .tooShort:
            "phone number has too few digits for its country"
        case .tooLong:
            "phone number has too many digits (E.164 allows at most 15, and its country may allow fewer)"
        case .invalidNationalNumber:
            "phone number is not a valid number in its country's numbering plan"
        }
    }

    /// Only short ASCII letter codes are echoed, so that a phone number passed by mistake as
    /// the region never reaches a log or an API error.
    private static func looksLikeRegionCode(_ region: String) -> Bool {
        (1...3).contains(region.unicodeScalars.count)
            && region.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
    }
}
