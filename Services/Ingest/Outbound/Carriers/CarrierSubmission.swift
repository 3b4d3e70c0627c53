import SwitchboardModels

/// One SMS (or one whole text the carrier will split) to hand to a carrier: everything a
/// ``CarrierWireFormat`` needs to build the request and read the answer, so that the wire
/// formats stay pure (no I/O, no clock, no database).
struct CarrierSubmission: Sendable, Equatable {
    /// The carrier's API, e.g. `https://api.twilio.com`, no trailing slash (one is tolerated).
    var apiBaseURL: String
    /// The channel's secrets: Twilio `account_sid`/`auth_token`, Vonage `api_key`/`api_secret`,
    /// Jasmin and Kannel `username`/`password`.
    var credentials: [String: String]
    /// E.164 `+14155550199`, a short code `12345` or an alphanumeric sender.
    var from: String
    /// E.164 `+447700900123`.
    var to: String
    var text: String
    /// GSM 03.38 or UCS-2: the carriers that cannot tell by themselves are told (Vonage
    /// `type`, Jasmin and Kannel `coding`); Twilio picks the encoding itself.
    var encoding: SMSEncoding
    /// The channel's receipt webhook, absolute, already carrying any `?token=`.
    var statusCallbackURL: String
    /// Our unique id of this SMS, `[A-Za-z0-9-]`, at most 40 characters (Vonage's
    /// `client-ref` limit; Kannel returns it in the receipt since it has no id of its own).
    var reference: String
}
