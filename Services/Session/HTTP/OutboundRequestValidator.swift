import Foundation
import SwitchboardModels
import SwitchboardServiceKit

/// The body of `POST /v1/interactions` and its rules, checked before any I/O; each refusal
/// is 422 naming the field. Numbers are normalised as ingest normalises inbound ones
/// (national numbers read in `SWITCHBOARD_DEFAULT_REGION`): the customer's to E.164, the
/// organisation's to E.164 or kept as a short code, so the interaction meets the
/// conversation's inbound messages and consent records. The text follows the reply's rule
/// (``MessageText``) with the reply's codes (`empty_reply`, `reply_too_long`); the channel
/// the rule of ingest's channel names.
struct OutboundRequestValidator: Sendable {
    let defaultRegion: String
    let maxParts: Int
    let normalizer = PhoneNumberNormalizer()

    struct Body: Decodable, Sendable {
        /// The customer's number.
        var to: String?
        /// The organisation's number.
        var from: String?
        var text: String?
        var channel: String?
    }

    func draft(_ body: Body) throws(APIError) -> OutboundDraft {
        guard let rawTo = body.to, !rawTo.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalid("to is required (the customer's number)")
        }
        let customer: String
        do { customer = try normalizer.normalize(rawTo, defaultRegion: defaultRegion) } catch {
            throw .invalid("to is not a phone number: \(error.description)")
        }
        guard let rawFrom = body.from, !rawFrom.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalid("from is required (the organisation's number)")
        }
        let organisation: String
        do { organisation = try normalizer.normalizeAddress(rawFrom, defaultRegion: defaultRegion) } catch {
            throw .invalid("from is not a phone number or short code: \(error.description)")
        }
        let message: MessageText
        do { message = try MessageText(body.text ?? "", maxParts: maxParts) } catch {
            switch error {
            case .empty:
                throw .invalid("text is empty (after trimming spaces and newlines)", code: "empty_reply")
            case .tooLong(let parts, let max):
                throw .invalid("text needs \(parts) SMS parts; at most \(max) are allowed", code: "reply_too_long")
            }
        }
        return OutboundDraft(customer: customer, organisation: organisation, message: message, channel: try channel(body.channel))
    }

    /// The channel named, trimmed; nil when absent or blank (then chosen).
    private func channel(_ raw: String?) throws(APIError) -> String? {
        guard let name = raw?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
        guard Self.isValidChannel(name) else { throw .invalid("channel must be 1-64 letters, digits, '-', '_' or '.'") }
        return name
    }

    /// Ingest's rule for channel names: 1-64 ASCII letters, digits, `-`, `_` or `.`.
    static func isValidChannel(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
