import Foundation
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Ingest

private enum Fixture {
    /// Tue, 14 Nov 2023 22:13:20 GMT.
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    /// 90 s after `now`, as the three HTTP date forms.
    static let in90s = ["Tue, 14 Nov 2023 22:14:50 GMT", "Tuesday, 14-Nov-23 22:14:50 GMT", "Tue Nov 14 22:14:50 2023"]
    static let text = "Hi + you & me"
    static let encodedText = "Hi%20%2B%20you%20%26%20me"
    static let unicode = "Grüße 😀"
    static let encodedUnicode = "Gr%C3%BC%C3%9Fe%20%F0%9F%98%80"

    static func submission(_ credentials: [String: String], base: String, callback: String) -> CarrierSubmission {
        CarrierSubmission(
            apiBaseURL: base, credentials: credentials, from: "+14155550199", to: "+447700900123", text: text, encoding: .gsm7,
            statusCallbackURL: callback, reference: "msg-42-1"
        )
    }

    static func inUnicode(_ submission: CarrierSubmission) -> CarrierSubmission {
        var copy = submission
        (copy.text, copy.encoding) = (unicode, .ucs2)
        return copy
    }

    static func outcome(
        _ format: some CarrierWireFormat, _ submission: CarrierSubmission, _ status: Int, _ body: String, headers: [String: String] = [:]
    ) -> CarrierSendOutcome {
        format.outcome(status: status, headers: headers, body: Array(body.utf8), submission: submission, now: now)
    }
}

@Suite("Carrier wire formats: shared rules")
struct CarrierWireFormatSharedTests {
    @Test func formEncodingKeepsEveryByte() {
        #expect(FormFields([("a b", "+&=%~é")]).urlEncoded == "a%20b=%2B%26%3D%25~%C3%A9")
    }

    @Test(
        arguments: [
            ("120", .seconds(120)), ("0", .zero), (Fixture.in90s[0], .seconds(90)), (Fixture.in90s[1], .seconds(90)),
            (Fixture.in90s[2], .seconds(90)), ("Tue, 14 Nov 2023 22:00:00 GMT", .zero),
        ] as [(String, Duration)])
    func retryAfter(value: String, delay: Duration) {
        #expect(RetryAfter.delay(value, now: Fixture.now) == delay)
        #expect(RetryAfter.delay(in: ["RETRY-AFTER": value], now: Fixture.now) == delay)
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "Tue, 32 Nov 2023 22:14:50 GMT", "Tue, 14 Foo 2023 22:14:50 GMT", "Tue, 14 Nov 2023 25:00:00 GMT"])
    func unreadableRetryAfter(value: String) {
        #expect(RetryAfter.delay(value, now: Fixture.now) == nil)
    }

    @Test func wireFormatPerCarrier() {
        #expect(CarrierWireFormats.wireFormat(for: .twilio) is TwilioWireFormat)
        #expect(CarrierWireFormats.wireFormat(for: .vonage) is VonageWireFormat)
        #expect(CarrierWireFormats.wireFormat(for: .jasmin) is JasminWireFormat)
        #expect(CarrierWireFormats.wireFormat(for: .kannel) is KannelWireFormat)
        #expect(CarrierWireFormats.wireFormat(for: .amqp) == nil)
        #expect(CarrierWireFormats.wireFormat(for: .simulator) == nil)
    }

    @Test(
        arguments: [
            (Carrier.twilio, ["account_sid": "AC1"], "auth_token"), (.vonage, ["api_key": "k"], "api_secret"),
            (.jasmin, ["password": "p"], "username"), (.kannel, ["username": "u"], "password"),
        ] as [(Carrier, [String: String], String)])
    func missingCredentialIsNamed(carrier: Carrier, credentials: [String: String], missing: String) throws {
        let format = try #require(CarrierWireFormats.wireFormat(for: carrier))
        let submission = Fixture.submission(credentials, base: "https://api.example", callback: "https://sb.example/r")
        #expect(throws: InvalidMessage("the \(carrier.rawValue) channel has no credentials.\(missing)")) { try format.request(for: submission) }
    }

    @Test func unusableBaseURLOrReferenceIsRefused() {
        var submission = Fixture.submission(["api_key": "k", "api_secret": "s"], base: "ftp://x", callback: "https://sb.example/r")
        #expect(throws: InvalidMessage.self) { try VonageWireFormat().request(for: submission) }
        submission.apiBaseURL = "https://rest.nexmo.com"
        submission.reference = "50% off"
        #expect(throws: InvalidMessage.self) { try VonageWireFormat().request(for: submission) }
    }
}

@Suite("Twilio wire format")
struct TwilioWireFormatTests {
    let format = TwilioWireFormat()
    let submission = Fixture.submission(
        ["account_sid": "AC0123", "auth_token": "s3cret"], base: "https://api.twilio.com/",
        callback: "https://sb.example/v1/webhooks/twilio/main/status")

    @Test func request() throws {
        let request = try format.request(for: submission)
        #expect(request.method == "POST")
        #expect(request.url == "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json")
        #expect(request.headers["Authorization"] == "Basic QUMwMTIzOnMzY3JldA==")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "To=%2B447700900123&From=%2B14155550199&Body=\(Fixture.encodedText)"
                + "&StatusCallback=https%3A%2F%2Fsb.example%2Fv1%2Fwebhooks%2Ftwilio%2Fmain%2Fstatus")
        #expect(FormFields(encodedBytes: request.body)["Body"] == Fixture.text)
        // Twilio picks GSM-7 or UCS-2 itself: the text goes as UTF-8, no encoding field.
        let unicode = try format.request(for: Fixture.inUnicode(submission))
        #expect(String(decoding: unicode.body, as: UTF8.self).contains("&Body=\(Fixture.encodedUnicode)&"))
    }

    @Test func outcomes() {
        let accepted = #"{"sid": "SM0123", "status": "queued", "error_code": null, "subresource_uris": {"media": "/m"}}"#
        #expect(Fixture.outcome(format, submission, 201, accepted) == .accepted(carrierIDs: ["SM0123"]))
        let invalid = #"{"code": 21211, "message": "The 'To' number is not a valid phone number.", "more_info": "https://x", "status": 400}"#
        #expect(
            Fixture.outcome(format, submission, 400, invalid)
                == .refused(code: "21211", reason: "HTTP 400: The 'To' number is not a valid phone number."))
        #expect(
            Fixture.outcome(format, submission, 401, #"{"code": 20003, "message": "Authenticate", "status": 401}"#)
                == .refused(code: "20003", reason: "HTTP 401: Authenticate"))
        #expect(
            Fixture.outcome(format, submission, 400, #"{"code": 21611, "message": "Queue full", "status": 400}"#)
                == .retryable(reason: "HTTP 400: Queue full", retryAfter: nil))
        let tooMany = #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#
        for (value, delay) in [("120", .seconds(120)), (Fixture.in90s[0], .seconds(90))] as [(String, Duration)] {
            #expect(
                Fixture.outcome(format, submission, 429, tooMany, headers: ["retry-after": value])
                    == .retryable(reason: "HTTP 429: Too Many Requests", retryAfter: delay))
        }
        #expect(Fixture.outcome(format, submission, 500, "") == .retryable(reason: "HTTP 500", retryAfter: nil))
        #expect(
            Fixture.outcome(format, submission, 201, "<html>\n  login </html>")
                == .refused(code: nil, reason: "unreadable answer (HTTP 201): <html> login </html>"))
    }
}

@Suite("Vonage wire format")
struct VonageWireFormatTests {
    let format = VonageWireFormat()
    let submission = Fixture.submission(
        ["api_key": "abcd1234", "api_secret": "s3cretS3cret0123"], base: "https://rest.nexmo.com",
        callback: "https://sb.example/v1/webhooks/vonage/main/receipt")

    @Test func request() throws {
        let request = try format.request(for: submission)
        #expect(request.method == "POST")
        #expect(request.url == "https://rest.nexmo.com/sms/json")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "api_key=abcd1234&api_secret=s3cretS3cret0123&from=14155550199&to=447700900123&text=\(Fixture.encodedText)&type=text"
                + "&status-report-req=1&callback=https%3A%2F%2Fsb.example%2Fv1%2Fwebhooks%2Fvonage%2Fmain%2Freceipt&client-ref=msg-42-1")
        var unicode = Fixture.inUnicode(submission)
        unicode.from = "Acme"
        let fields = FormFields(encodedBytes: try format.request(for: unicode).body)
        #expect(fields["type"] == "unicode")
        #expect(fields["text"] == Fixture.unicode)
        #expect(fields["from"] == "Acme")
    }

    func answer(_ messages: String...) -> String {
        #"{"message-count": "\#(messages.count)", "messages": [\#(messages.joined(separator: ", "))]}"#
    }

    @Test func outcomes() {
        let first = #"{"to": "447700900123", "message-id": "0A0000001", "status": "0", "remaining-balance": "3.14", "network": "23410"}"#
        let second = #"{"to": "447700900123", "message-id": "0A0000002", "status": "0"}"#
        let throttled = #"{"status": "1", "error-text": "Throughput Rate Exceeded"}"#
        #expect(Fixture.outcome(format, submission, 200, answer(first, second)) == .accepted(carrierIDs: ["0A0000001", "0A0000002"]))
        #expect(Fixture.outcome(format, submission, 200, answer(#"{"status": 0, "message-id": "X1"}"#)) == .accepted(carrierIDs: ["X1"]))
        #expect(
            Fixture.outcome(format, submission, 200, answer(#"{"status": "29", "error-text": "Non White-listed Destination"}"#))
                == .refused(code: "29", reason: "status 29: Non White-listed Destination"))
        #expect(
            Fixture.outcome(format, submission, 200, answer(#"{"status": "4", "error-text": "Bad Credentials"}"#))
                == .refused(code: "4", reason: "status 4: Bad Credentials"))
        #expect(
            Fixture.outcome(format, submission, 200, answer(throttled), headers: ["Retry-After": "2"])
                == .retryable(reason: "status 1: Throughput Rate Exceeded", retryAfter: .seconds(2)))
        // Part accepted, part not: retrying would send the accepted segment twice.
        #expect(
            Fixture.outcome(format, submission, 200, answer(first, throttled))
                == .refused(code: "1", reason: "1 of 2 segments accepted (0A0000001), then status 1: Throughput Rate Exceeded"))
        #expect(
            Fixture.outcome(format, submission, 429, "", headers: ["Retry-After": Fixture.in90s[1]])
                == .retryable(reason: "HTTP 429", retryAfter: .seconds(90)))
        #expect(Fixture.outcome(format, submission, 502, "Bad Gateway") == .retryable(reason: "HTTP 502: Bad Gateway", retryAfter: nil))
        #expect(Fixture.outcome(format, submission, 200, "OK") == .refused(code: nil, reason: "unreadable answer (HTTP 200): OK"))
        #expect(Fixture.outcome(format, submission, 200, answer()) == .refused(code: nil, reason: "unreadable answer (HTTP 200): " + answer()))
    }
}

@Suite("Jasmin wire format")
struct JasminWireFormatTests {
    let format = JasminWireFormat()
    let submission = Fixture.submission(
        ["username": "foo", "password": "bar"], base: "http://jasmin.internal:1401",
        callback: "https://sb.example/v1/webhooks/jasmin/main/receipt?token=t0k")

    @Test func request() throws {
        let request = try format.request(for: submission)
        #expect(request.method == "POST")
        #expect(request.url == "http://jasmin.internal:1401/send")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        // The dlr-url carries no `id`: Jasmin's receipt brings its own message id as `id`.
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "username=foo&password=bar&to=447700900123&from=14155550199&coding=0&content=\(Fixture.encodedText)&dlr=yes"
                + "&dlr-url=https%3A%2F%2Fsb.example%2Fv1%2Fwebhooks%2Fjasmin%2Fmain%2Freceipt%3Ftoken%3Dt0k&dlr-level=3&dlr-method=POST")
        let unicode = FormFields(encodedBytes: try format.request(for: Fixture.inUnicode(submission)).body)
        #expect(unicode["coding"] == "8")
        #expect(unicode["hex-content"] == "0047007200fc00df00650020d83dde00")
        #expect(unicode["content"] == nil)
    }

    @Test func outcomes() {
        #expect(
            Fixture.outcome(format, submission, 200, #"Success "07033084-5cfd-4812-90a4-e4d24ffb6e3d""#)
                == .accepted(carrierIDs: ["07033084-5cfd-4812-90a4-e4d24ffb6e3d"]))
        #expect(Fixture.outcome(format, submission, 412, #"Error "No route found""#) == .refused(code: nil, reason: "HTTP 412: No route found"))
        #expect(
            Fixture.outcome(format, submission, 403, #"Error "Authentication failure for username:foo""#)
                == .refused(code: nil, reason: "HTTP 403: Authentication failure for username:foo"))
        #expect(
            Fixture.outcome(format, submission, 403, #"Error "User throughput exceeded""#)
                == .retryable(reason: "HTTP 403: User throughput exceeded", retryAfter: nil))
        #expect(
            Fixture.outcome(format, submission, 500, #"Error "Cannot send submit_sm, check SMPPClientManagerPB log file for details""#)
                == .retryable(reason: "HTTP 500: Cannot send submit_sm, check SMPPClientManagerPB log file for details", retryAfter: nil))
        #expect(
            Fixture.outcome(format, submission, 429, "", headers: ["Retry-After": "120"]) == .retryable(reason: "HTTP 429", retryAfter: .seconds(120))
        )
        #expect(Fixture.outcome(format, submission, 200, "<html/>") == .refused(code: nil, reason: "unreadable answer (HTTP 200): <html/>"))
    }
}

@Suite("Kannel wire format")
struct KannelWireFormatTests {
    let format = KannelWireFormat()
    let submission = Fixture.submission(
        ["username": "sb", "password": "p@ss"], base: "http://kannel.internal:13013",
        callback: "https://sb.example/v1/webhooks/kannel/main/receipt?token=a%2Bb")

    @Test func request() throws {
        let request = try format.request(for: submission)
        #expect(request.method == "GET")
        #expect(request.body.isEmpty)
        #expect(
            request.url
                == "http://kannel.internal:13013/cgi-bin/sendsms?username=sb&password=p%40ss&from=%2B14155550199&to=%2B447700900123"
                + "&text=\(Fixture.encodedText)&charset=UTF-8&coding=0&dlr-mask=31&dlr-url=https%3A%2F%2Fsb.example%2Fv1%2Fwebhooks"
                + "%2Fkannel%2Fmain%2Freceipt%3Ftoken%3Da%25%252Bb%26id%3Dmsg-42-1%26status%3D%25d%26ts%3D%25T")
        let unicode = try format.request(for: Fixture.inUnicode(submission))
        #expect(unicode.url.contains("&text=\(Fixture.encodedUnicode)&charset=UTF-8&coding=2&"))
    }

    /// What Kannel does to the dlr-url when a report comes: `%d` the report, `%T` its time, `%%` a `%`.
    func filled(_ pattern: String, report: Int) -> String {
        var out = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%", let code = characters.next() else {
                out.append(character)
                continue
            }
            switch code {
            case "%": out += "%"
            case "d": out += "\(report)"
            case "T": out += "1700000000"
            default: out += "%\(code)"
            }
        }
        return out
    }

    @Test func theReceiptComesBackWithOurReferenceAndToken() throws {
        let url = try format.request(for: submission).url
        let query = try #require(url.split(separator: "?", maxSplits: 1).last)
        let dlrURL = try #require(FormFields(encoded: query)["dlr-url"])
        let called = filled(dlrURL, report: 8)
        #expect(called == "https://sb.example/v1/webhooks/kannel/main/receipt?token=a%2Bb&id=msg-42-1&status=8&ts=1700000000")
        let fields = FormFields(encoded: try #require(called.split(separator: "?", maxSplits: 1).last))
        #expect(fields["token"] == "a+b")
        let receipt = try #require(CarrierPayloads.kannelReceipt(fields))
        #expect(receipt.carrierID == "msg-42-1")
        #expect(receipt.status == "sent")
        #expect(receipt.at == Fixture.now)
    }

    @Test func outcomes() {
        for accepted in ["0: Accepted for delivery", "3: Queued for later delivery", "Sent. Message splits: 2"] {
            #expect(Fixture.outcome(format, submission, 202, accepted) == .accepted(carrierIDs: ["msg-42-1"]))
        }
        #expect(
            Fixture.outcome(format, submission, 403, "Authorization failed for sendsms")
                == .refused(code: nil, reason: "HTTP 403: Authorization failed for sendsms"))
        #expect(
            Fixture.outcome(format, submission, 403, "Not routable. Do not try again.")
                == .refused(code: nil, reason: "HTTP 403: Not routable. Do not try again."))
        #expect(
            Fixture.outcome(format, submission, 503, "Temporal failure, try again later.", headers: ["Retry-After": Fixture.in90s[2]])
                == .retryable(reason: "HTTP 503: Temporal failure, try again later.", retryAfter: .seconds(90)))
        #expect(Fixture.outcome(format, submission, 500, "Sending failed.") == .retryable(reason: "HTTP 500: Sending failed.", retryAfter: nil))
        #expect(
            Fixture.outcome(format, submission, 200, "<html>Welcome</html>")
                == .refused(code: nil, reason: "unreadable answer (HTTP 200): <html>Welcome</html>"))
    }
}
