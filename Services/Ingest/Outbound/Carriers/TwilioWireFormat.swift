import Foundation
import SwitchboardDatabase

/// Twilio Programmable Messaging, the Message resource.
///
/// Request: `POST {api}/2010-04-01/Accounts/{account_sid}/Messages.json`, HTTP Basic
/// `account_sid:auth_token`, a form with `To`, `From` (E.164 with `+`, a short code or an
/// alphanumeric sender), `Body` and `StatusCallback` (the status webhook, which receipts
/// reach as `MessageSid`/`MessageStatus`). Twilio chooses GSM-7 or UCS-2 and splits long
/// texts itself, so `encoding` is not sent.
///
/// Answer: 201 with the Message resource, whose `sid` is the carrier id (one for the whole
/// text); an error is JSON `{code, message, more_info, status}`.
///
/// | answer | outcome |
/// |---|---|
/// | 2xx with `sid` | accepted `[sid]` |
/// | 2xx without | refused, unreadable (Twilio always answers the sid) |
/// | 429 (code 20429), 408, 5xx | retryable, `Retry-After` |
/// | 400 with code 21611 (the From number's queue is full) or 20429 | retryable |
/// | 401, 403 (20003 authenticate...) | refused, Twilio's code |
/// | other 4xx (21211 invalid To, 21610 unsubscribed recipient, 21408 region not enabled...) | refused, Twilio's code |
struct TwilioWireFormat: CarrierWireFormat {
    /// Error codes that mean "later", not "never", whatever the HTTP status.
    static let retryableCodes: Set<String> = ["20429", "21611"]

    func request(for submission: CarrierSubmission) throws(InvalidMessage) -> CarrierHTTPRequest {
        let base = try CarrierRequestParts.baseURL(of: submission, carrier: .twilio)
        let accountSID = try CarrierRequestParts.credential("account_sid", of: submission, carrier: .twilio)
        let authToken = try CarrierRequestParts.credential("auth_token", of: submission, carrier: .twilio)
        let form = FormFields([
            ("To", submission.to), ("From", submission.from), ("Body", submission.text),
            ("StatusCallback", submission.statusCallbackURL),
        ])
        let basic = Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        return CarrierHTTPRequest(
            method: "POST",
            url: "\(base)/2010-04-01/Accounts/\(FormFields.percentEncoded(Array(accountSID.utf8)))/Messages.json",
            headers: ["Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
            body: Array(form.urlEncoded.utf8)
        )
    }

    func outcome(status: Int, headers: [String: String], body: [UInt8], submission: CarrierSubmission, now: Date) -> CarrierSendOutcome {
        let json = FormFields(json: body)
        let code = json?.first("code")
        let message = json?.first("message") ?? CarrierAnswer.text(body)
        switch CarrierAnswer.kind(of: status) {
        case .success:
            guard let sid = json?.first("sid") else { return CarrierAnswer.unreadable(status: status, body: body) }
            return .accepted(carrierIDs: [sid])
        case .retry:
            return CarrierAnswer.retryable(status: status, text: message, headers: headers, now: now)
        case .credentials, .refusal:
            if let code, Self.retryableCodes.contains(code) {
                return CarrierAnswer.retryable(status: status, text: message, headers: headers, now: now)
            }
            return .refused(code: code, reason: CarrierAnswer.reason(status: status, text: message))
        }
    }
}
