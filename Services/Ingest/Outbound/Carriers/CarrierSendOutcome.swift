/// What a carrier's answer to a submission means for the sender loop.
enum CarrierSendOutcome: Sendable, Equatable {
    /// Accepted: the carrier's ids, one per SMS it made (Vonage: one per segment; Kannel:
    /// our reference, since it has no id of its own). Receipts come back with these ids.
    case accepted(carrierIDs: [String])
    /// Try again later (429, 5xx, throttling, a gateway's connector down): `retryAfter` from
    /// the `Retry-After` header (seconds or HTTP date) when the carrier gave one.
    case retryable(reason: String, retryAfter: Duration?)
    /// Permanently refused (invalid number, unsubscribed, bad credentials, no route, an
    /// answer we cannot read): the carrier's code when it has one, and its text.
    case refused(code: String?, reason: String)
}
