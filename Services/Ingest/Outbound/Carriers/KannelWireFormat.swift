import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// Kannel's smsbox `sendsms` interface.
///
/// Request: `GET {api}/cgi-bin/sendsms?…` (for a `POST`, sendsms takes its fields from
/// `X-Kannel-*` headers, not from a form) with `username`, `password`, `from`, `to` (E.164
/// with `+` encoded as `%2B`: Kannel's SMPP module turns a leading `+` into TON
/// international), `text` in UTF-8 with `charset=UTF-8`, which Kannel converts (to UTF-16BE
/// for `coding=2`, UCS-2; `coding=0` is GSM 03.38), `dlr-mask=31` (every report: delivered,
/// undelivered, queued on and accepted or rejected by the SMSC) and `dlr-url`.
///
/// Kannel answers no message id, so our reference is the carrier id: the dlr-url is the
/// receipt webhook with `id=<reference>&status=%d&ts=%T` added, which Kannel fills in
/// (`%d` the report's bits, `%T` Unix time) and `CarrierPayloads.kannelReceipt` reads. Since
/// Kannel reads every `%` of the dlr-url as an escape code, a `%` already in the webhook
/// URL (a percent-encoded token) is written `%%`, Kannel's escape for itself. A text Kannel
/// splits sends a report per part, all with this id.
///
/// | answer | outcome |
/// |---|---|
/// | 202 (`0: Accepted for delivery`, `3: Queued for later delivery`, `Sent.`) | accepted `[reference]` |
/// | another 2xx with one of those texts | accepted `[reference]` |
/// | another 2xx | refused, unreadable |
/// | 503 `Temporal failure, try again later.`, 500 `Sending failed.`, 429, 408, 5xx | retryable, `Retry-After` |
/// | 403 `Authorization failed for sendsms`, `Not routable. Do not try again.` | refused |
/// | 400 (`… misformed, rejected`, `Sender missing and no global set`, denied numbers) | refused |
///
/// Kannel has no error codes: `code` is nil, the reason carries its text.
struct KannelWireFormat: CarrierWireFormat {
    func request(for submission: CarrierSubmission) throws(InvalidMessage) -> CarrierHTTPRequest {
        let base = try CarrierRequestParts.baseURL(of: submission, carrier: .kannel)
        let username = try CarrierRequestParts.credential("username", of: submission, carrier: .kannel)
        let password = try CarrierRequestParts.credential("password", of: submission, carrier: .kannel)
        let reference = try CarrierRequestParts.reference(of: submission)
        let query = FormFields([
            ("username", username), ("password", password), ("from", submission.from), ("to", submission.to),
            ("text", submission.text), ("charset", "UTF-8"), ("coding", submission.encoding == .ucs2 ? "2" : "0"),
            ("dlr-mask", "31"), ("dlr-url", Self.dlrURL(submission.statusCallbackURL, reference: reference)),
        ])
        return CarrierHTTPRequest(
            method: "GET", url: "\(base)/cgi-bin/sendsms?\(query.urlEncoded)", headers: ["Accept": "text/plain"], body: []
        )
    }

    /// The receipt webhook with our id and Kannel's placeholders added, its own `%` escaped.
    static func dlrURL(_ webhook: String, reference: String) -> String {
        let separator = webhook.contains("?") ? "&" : "?"
        return webhook.replacingOccurrences(of: "%", with: "%%") + separator + "id=\(reference)&status=%d&ts=%T"
    }

    func outcome(status: Int, headers: [String: String], body: [UInt8], submission: CarrierSubmission, now: Date) -> CarrierSendOutcome {
        let text = CarrierAnswer.text(body)
        switch CarrierAnswer.kind(of: status) {
        case .success:
            let known = text.hasPrefix("0:") || text.hasPrefix("3:") || text.hasPrefix("Sent.")
            guard status == 202 || known else { return CarrierAnswer.unreadable(status: status, body: body) }
            return .accepted(carrierIDs: [submission.reference])
        case .retry:
            return CarrierAnswer.retryable(status: status, text: text, headers: headers, now: now)
        case .credentials, .refusal:
            return .refused(code: nil, reason: CarrierAnswer.reason(status: status, text: text))
        }
    }
}
