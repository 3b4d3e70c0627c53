import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// Jasmin's HTTP API (`/send`).
///
/// Request: `POST {api}/send`, a form with `username`, `password`, `to` (international
/// without `+`: Jasmin's SMPP connectors send to TON international by default), `from`,
/// then either `coding=0` and `content` (UTF-8, which Jasmin converts to GSM 03.38) or
/// `coding=8` and `hex-content` (UCS-2 as UTF-16BE in hex: `content` would go out as the
/// UTF-8 bytes), and `dlr=yes`, `dlr-url`, `dlr-level=3` (SMSC and handset receipts),
/// `dlr-method=POST`. The dlr-url is the receipt webhook as it is: Jasmin's receipts carry
/// its own message id as `id`, which `CarrierPayloads.jasminReceipt` reads, and an `id` in
/// the dlr-url's query would shadow it.
///
/// Answer: text, `Success "<message id>"` (one id for the whole text; Jasmin splits it) or
/// `Error "<reason>"`.
///
/// | answer | outcome |
/// |---|---|
/// | 2xx `Success "id"` | accepted `[id]` |
/// | 2xx anything else | refused, unreadable |
/// | 403 `User throughput exceeded` | retryable (Jasmin's per-user rate limit) |
/// | 412 `Failover route has no bound connectors` | retryable (the SMSC links are down) |
/// | 500 `Cannot send submit_sm…`, 503 interceptor down, 429, 408, 5xx | retryable, `Retry-After` |
/// | 403 `Authentication failure…`, `Cannot charge submit_sm…` | refused |
/// | 412 `No route found`, 400 argument errors | refused |
///
/// Jasmin has no error codes: `code` is nil, the reason carries its text.
struct JasminWireFormat: CarrierWireFormat {
    func request(for submission: CarrierSubmission) throws(InvalidMessage) -> CarrierHTTPRequest {
        let base = try CarrierRequestParts.baseURL(of: submission, carrier: .jasmin)
        let username = try CarrierRequestParts.credential("username", of: submission, carrier: .jasmin)
        let password = try CarrierRequestParts.credential("password", of: submission, carrier: .jasmin)
        let content: [(String, String)] =
            switch submission.encoding {
            case .gsm7: [("coding", "0"), ("content", submission.text)]
            case .ucs2: [("coding", "8"), ("hex-content", Hex.string(CarrierRequestParts.utf16BE(submission.text)))]
            }
        let addresses: [(String, String)] = [
            ("username", username), ("password", password),
            ("to", CarrierRequestParts.withoutPlus(submission.to)), ("from", CarrierRequestParts.withoutPlus(submission.from)),
        ]
        let receipts: [(String, String)] = [
            ("dlr", "yes"), ("dlr-url", submission.statusCallbackURL), ("dlr-level", "3"), ("dlr-method", "POST"),
        ]
        let form = FormFields(addresses + content + receipts)
        return CarrierHTTPRequest(
            method: "POST", url: "\(base)/send", headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "text/plain"],
            body: Array(form.urlEncoded.utf8)
        )
    }

    func outcome(status: Int, headers: [String: String], body: [UInt8], submission: CarrierSubmission, now: Date) -> CarrierSendOutcome {
        let text = CarrierAnswer.text(body)
        let reason = Self.quoted(text, after: "Error") ?? text
        switch CarrierAnswer.kind(of: status) {
        case .success:
            guard let id = Self.quoted(text, after: "Success"), !id.isEmpty else { return CarrierAnswer.unreadable(status: status, body: body) }
            return .accepted(carrierIDs: [id])
        case .retry:
            return CarrierAnswer.retryable(status: status, text: reason, headers: headers, now: now)
        case .credentials, .refusal:
            let lower = reason.lowercased()
            if (status == 403 && lower.contains("throughput")) || (status == 412 && lower.contains("no bound connector")) {
                return CarrierAnswer.retryable(status: status, text: reason, headers: headers, now: now)
            }
            return .refused(code: nil, reason: CarrierAnswer.reason(status: status, text: reason))
        }
    }

    /// `Success "abc"` → `abc` for `word` = `Success`; nil when the text is not of that form.
    static func quoted(_ text: String, after word: String) -> String? {
        let prefix = word + " \""
        guard text.hasPrefix(prefix), text.hasSuffix("\""), text.count >= prefix.count + 1 else { return nil }
        return String(text.dropFirst(prefix.count).dropLast())
    }
}
