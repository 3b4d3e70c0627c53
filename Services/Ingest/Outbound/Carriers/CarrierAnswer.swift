import Foundation

/// The reading of an HTTP answer the four carriers share; each wire format adds what its
/// body says.
///
/// | HTTP status | kind | outcome unless the carrier's body says otherwise |
/// |---|---|---|
/// | 2xx | `success` | the body decides |
/// | 408, 425, 429, 5xx | `retry` | retryable, with `Retry-After` |
/// | 401, 403 | `credentials` | refused |
/// | other 4xx, an unexpected 1xx or 3xx | `refusal` | refused (a 3xx means a wrong API URL) |
enum CarrierAnswer {
    enum Kind: Sendable, Equatable {
        case success, retry, credentials, refusal
    }

    static func kind(of status: Int) -> Kind {
        switch status {
        case 200...299: .success
        case 408, 425, 429, 500...599: .retry
        case 401, 403: .credentials
        default: .refusal
        }
    }

    /// Retryable, with the delay the headers ask for.
    static func retryable(status: Int, text: String, headers: [String: String], now: Date) -> CarrierSendOutcome {
        .retryable(reason: reason(status: status, text: text), retryAfter: RetryAfter.delay(in: headers, now: now))
    }

    /// A 2xx whose body is not what the API answers on success. The carriers that get this
    /// from us always answer an id; without one, something else answered (a proxy, a portal,
    /// a wrong URL), and retrying could send twice: refused, so the message is marked failed.
    static func unreadable(status: Int, body: [UInt8]) -> CarrierSendOutcome {
        let text = text(body)
        return .refused(code: nil, reason: "unreadable answer (HTTP \(status)): " + (text.isEmpty ? "empty body" : text))
    }

    /// `HTTP 400: text`, or `HTTP 400` when there is no text.
    static func reason(status: Int, text: String) -> String {
        text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)"
    }

    /// The body as one line for a reason: UTF-8, whitespace runs as one space, at most 200
    /// characters (an HTML error page would otherwise end up in the message's status).
    static func text(_ body: [UInt8]) -> String {
        let words = String(decoding: body.prefix(4096), as: UTF8.self).split(whereSeparator: { $0.isWhitespace })
        let line = words.joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
