import Foundation
import SwitchboardDatabase

/// The pieces the four requests are built from, each checked once, so that a channel set up
/// wrong fails with a reason naming what to fix rather than with a carrier's 401.
enum CarrierRequestParts {
    /// The API base URL without trailing slashes: `http(s)://host[:port][/prefix]`.
    static func baseURL(of submission: CarrierSubmission, carrier: Carrier) throws(InvalidMessage) -> String {
        var url = submission.apiBaseURL.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil,
            !url.contains("?"), !url.contains("#")
        else { throw InvalidMessage("the \(carrier.rawValue) channel's API URL must be an http or https URL without query") }
        return url
    }

    /// The credential `name`, which must be set and non-empty.
    static func credential(_ name: String, of submission: CarrierSubmission, carrier: Carrier) throws(InvalidMessage) -> String {
        guard let value = submission.credentials[name], !value.isEmpty else {
            throw InvalidMessage("the \(carrier.rawValue) channel has no credentials.\(name)")
        }
        return value
    }

    /// The reference, checked to be 1-40 characters `[A-Za-z0-9-]`: it goes into Vonage's
    /// `client-ref` (at most 40) and into Kannel's dlr-url, where a `%` would be read as an
    /// escape code.
    static func reference(of submission: CarrierSubmission) throws(InvalidMessage) -> String {
        let reference = submission.reference
        guard (1...40).contains(reference.count), reference.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw InvalidMessage("the SMS reference must be 1-40 characters A-Z, a-z, 0-9 or '-'")
        }
        return reference
    }

    /// `+14155550199` → `14155550199`, for APIs that take international numbers without `+`
    /// (Vonage; Jasmin's SMPP destination, international by default). Short codes and
    /// alphanumeric senders are unchanged.
    static func withoutPlus(_ number: String) -> String {
        let trimmed = number.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.dropFirst()
        guard trimmed.hasPrefix("+"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return trimmed }
        return String(digits)
    }

    /// The text in UTF-16BE: UCS-2 as phones read it, a character beyond the BMP (an emoji)
    /// as its surrogate pair, which handsets display.
    static func utf16BE(_ text: String) -> [UInt8] {
        text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }
}
