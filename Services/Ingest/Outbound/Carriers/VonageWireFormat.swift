import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// Vonage's SMS API.
///
/// Request: `POST {api}/sms/json`, a form with `api_key`, `api_secret`, `from` and `to`
/// (international numbers without `+`; an alphanumeric sender as it is), `text`, `type`
/// (`text`, or `unicode` for UCS-2), `status-report-req=1`, `callback` (the receipt webhook,
/// whose receipts carry `messageId`) and `client-ref` (our reference, at most 40 characters).
///
/// Answer: 200 with `{"message-count": "2", "messages": [{"status": "0", "message-id": …,
/// "error-text": …}, …]}`, one entry per segment: Vonage splits long texts and each segment
/// has its own id and receipts. HTTP errors are the exception (the status is in the JSON).
///
/// | answer | outcome |
/// |---|---|
/// | every segment status `0` with a `message-id` | accepted, one id per segment |
/// | status 1 throttled, 5 internal error, 10 too many binds, 13 communication failure | retryable, `Retry-After` |
/// | any other status (2 missing or 3 invalid parameters, 4 invalid credentials, 6 invalid message, 7 number barred, 8 account barred, 9 quota exceeded, 12 too long, 15 invalid sender, 29 non-whitelisted destination...) | refused with the status and `error-text` |
/// | some segments accepted, others not | refused with the first failure's status: retrying would send the accepted segments again |
/// | 2xx without that JSON | refused, unreadable |
/// | 429, 408, 5xx / 401, 403 / other 4xx | retryable / refused / refused |
struct VonageWireFormat: CarrierWireFormat {
    static let retryableStatuses: Set<String> = ["1", "5", "10", "13"]

    func request(for submission: CarrierSubmission) throws(InvalidMessage) -> CarrierHTTPRequest {
        let base = try CarrierRequestParts.baseURL(of: submission, carrier: .vonage)
        let apiKey = try CarrierRequestParts.credential("api_key", of: submission, carrier: .vonage)
        let apiSecret = try CarrierRequestParts.credential("api_secret", of: submission, carrier: .vonage)
        let reference = try CarrierRequestParts.reference(of: submission)
        let form = FormFields([
            ("api_key", apiKey), ("api_secret", apiSecret),
            ("from", CarrierRequestParts.withoutPlus(submission.from)), ("to", CarrierRequestParts.withoutPlus(submission.to)),
            ("text", submission.text), ("type", submission.encoding == .ucs2 ? "unicode" : "text"),
            ("status-report-req", "1"), ("callback", submission.statusCallbackURL), ("client-ref", reference),
        ])
        return CarrierHTTPRequest(
            method: "POST", url: "\(base)/sms/json",
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
            body: Array(form.urlEncoded.utf8)
        )
    }

    func outcome(status: Int, headers: [String: String], body: [UInt8], submission: CarrierSubmission, now: Date) -> CarrierSendOutcome {
        switch CarrierAnswer.kind(of: status) {
        case .retry:
            return CarrierAnswer.retryable(status: status, text: CarrierAnswer.text(body), headers: headers, now: now)
        case .credentials, .refusal:
            return .refused(code: nil, reason: CarrierAnswer.reason(status: status, text: CarrierAnswer.text(body)))
        case .success:
            break
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)), !answer.messages.isEmpty,
            answer.messages.allSatisfy({ $0.status != nil && ($0.status != "0" || $0.messageID != nil) })
        else { return CarrierAnswer.unreadable(status: status, body: body) }
        let accepted = answer.messages.compactMap { $0.status == "0" ? $0.messageID : nil }
        guard let failed = answer.messages.first(where: { $0.status != "0" }), let code = failed.status else {
            return .accepted(carrierIDs: accepted)
        }
        let text = "status \(code): \(failed.errorText ?? "no error-text")"
        if !accepted.isEmpty {
            let ids = accepted.joined(separator: ", ")
            return .refused(code: code, reason: "\(accepted.count) of \(answer.messages.count) segments accepted (\(ids)), then \(text)")
        }
        if Self.retryableStatuses.contains(code) {
            return .retryable(reason: text, retryAfter: RetryAfter.delay(in: headers, now: now))
        }
        return .refused(code: code, reason: text)
    }

    /// The answer's JSON; `status` may come as a string (documented) or a number.
    private struct Answer: Decodable {
        var messages: [Message]

        struct Message: Decodable {
            var status: String?
            var messageID: String?
            var errorText: String?

            enum CodingKeys: String, CodingKey {
                case status
                case messageID = "message-id"
                case errorText = "error-text"
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                func text(_ key: CodingKeys) -> String? {
                    (try? container.decode(String.self, forKey: key)) ?? (try? container.decode(Int.self, forKey: key)).map(String.init)
                }
                status = text(.status)
                messageID = text(.messageID).flatMap { $0.isEmpty ? nil : $0 }
                errorText = text(.errorText)
            }
        }
    }
}
