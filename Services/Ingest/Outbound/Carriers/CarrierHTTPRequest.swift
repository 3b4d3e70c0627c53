/// The HTTP request that submits a ``CarrierSubmission``, ready for the HTTP client: the
/// sender makes it as it is (no redirects followed: a redirect means a wrong API URL).
struct CarrierHTTPRequest: Sendable, Equatable {
    /// `POST` or `GET` (Kannel's sendsms reads its fields from the query only).
    var method: String
    /// Absolute, the query included for `GET`.
    var url: String
    /// `Authorization`, `Content-Type`, `Accept`...
    var headers: [String: String]
    /// Empty for `GET`.
    var body: [UInt8]
}
