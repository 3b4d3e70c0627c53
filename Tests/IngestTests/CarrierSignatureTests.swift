import Foundation
import Testing

@testable import Ingest

@Suite("Twilio and Vonage webhook signatures")
struct CarrierSignatureTests {
    let twilio = TwilioSignature(digests: CryptoDigests())
    let vonage = VonageSignature(digests: CryptoDigests())

    // Twilio's published example (https://www.twilio.com/docs/usage/security).
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let token = "12345"
    let published = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    let form = FormFields([
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
        ("From", "+12349013030"), ("To", "+18005551212"),
    ])

    @Test func reproducesTwiliosPublishedVector() {
        #expect(twilio.signature(url: url, parameters: form.pairs, authToken: token) == published)
        #expect(twilio.isValid(header: published, url: url, body: .form(form), authToken: token))
    }

    @Test func parameterOrderInTheBodyDoesNotMatter() {
        #expect(twilio.isValid(header: published, url: url, body: .form(FormFields(fields: form.fields.reversed())), authToken: token))
    }

    @Test func theFormBodyAsSentOnTheWireVerifies() {
        let body = FormFields(encoded: "To=%2B18005551212&From=%2B12349013030&Digits=1234&Caller=%2B12349013030&CallSid=CA1234567890ABCDE")
        #expect(twilio.isValid(header: published, url: url, body: .form(body), authToken: token))
    }

    @Test func defaultPortIsAcceptedWithOrWithout() {
        #expect(twilio.isValid(header: published, url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", body: .form(form), authToken: token))
        let signedWithPort = twilio.signature(url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: form.pairs, authToken: token)
        #expect(twilio.isValid(header: signedWithPort, url: url, body: .form(form), authToken: token))
        #expect(!twilio.isValid(header: published, url: "https://mycompany.com:8443/myapp.php?foo=1&bar=2", body: .form(form), authToken: token))
        #expect(TwilioSignature.urlVariants("http://127.0.0.1:8081/v1/x") == ["http://127.0.0.1:8081/v1/x"])
        #expect(TwilioSignature.urlVariants("http://example.com/a?b=1") == ["http://example.com/a?b=1", "http://example.com:80/a?b=1"])
    }

    @Test func mutatedRequestsAreRejected() {
        var changed = form
        changed.fields[2].bytes = Array("1235".utf8)
        #expect(!twilio.isValid(header: published, url: url, body: .form(changed), authToken: token), "changed parameter")
        var added = form
        added.fields.append(.init(name: "Extra", bytes: []))
        #expect(!twilio.isValid(header: published, url: url, body: .form(added), authToken: token), "added parameter")
        #expect(!twilio.isValid(header: published, url: url + "&baz=3", body: .form(form), authToken: token), "changed URL")
        #expect(!twilio.isValid(header: published, url: "http://mycompany.com/myapp.php?foo=1&bar=2", body: .form(form), authToken: token), "scheme")
        #expect(!twilio.isValid(header: published, url: url, body: .form(form), authToken: "54321"), "wrong token")
        #expect(!twilio.isValid(header: nil, url: url, body: .form(form), authToken: token), "missing header")
        #expect(!twilio.isValid(header: "", url: url, body: .form(form), authToken: token), "empty header")
        #expect(!twilio.isValid(header: published, url: url, body: .form(form), authToken: ""), "no token configured")
    }

    // JSON body: Twilio's documented body `{"property": "value", "boolean": true}` hashes to
    // 0a1ff763...6620; the signature over the URL alone was computed with Python's
    // hmac/hashlib: base64(hmac.new(b"12345", url.encode(), hashlib.sha1).digest()).
    let jsonBody = Array(#"{"property": "value", "boolean": true}"#.utf8)
    let jsonURL = "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    let jsonSignature = "y77kIzt2vzLz71DgmJGsen2scGs="

    @Test func jsonBodyVectorVerifies() {
        #expect(Hex.string(CryptoDigests().sha256(jsonBody)) == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        #expect(twilio.signature(url: jsonURL, parameters: [], authToken: token) == jsonSignature)
        #expect(twilio.isValid(header: jsonSignature, url: jsonURL, body: .raw(jsonBody), authToken: token))
    }

    @Test func jsonBodyMutationsAreRejected() {
        #expect(!twilio.isValid(header: jsonSignature, url: jsonURL, body: .raw(jsonBody + Array(" ".utf8)), authToken: token), "body changed")
        #expect(
            !twilio.isValid(header: jsonSignature, url: "https://mycompany.com/myapp.php", body: .raw(jsonBody), authToken: token), "no bodySHA256")
        #expect(!twilio.isValid(header: jsonSignature, url: jsonURL + "&x=1", body: .raw(jsonBody), authToken: token), "URL changed")
        #expect(!twilio.isValid(header: jsonSignature, url: jsonURL, body: .raw(jsonBody), authToken: "1234"), "wrong token")
    }

    // Vonage md5hash: cross-checked with Python:
    // md5("".join(f"&{k}={v}" for k, v in sorted(params)) + "secret").hexdigest()
    let vonageParameters: [(name: String, value: String)] = [
        ("msisdn", "447700900001"), ("to", "447700900000"), ("messageId", "0A00000123ABCD1"), ("text", "Hello world"),
        ("type", "text"), ("timestamp", "1700000000"),
    ]

    @Test func vonageMD5HashVector() {
        #expect(vonage.signature(parameters: vonageParameters, secret: "secret") == "cf4d295cace9af92e3e25631d26584aa")
        let signed = vonageParameters + [("sig", "CF4D295CACE9AF92E3E25631D26584AA")]
        #expect(vonage.isValid(parameters: signed, secret: "secret", now: Date(timeIntervalSince1970: 1_700_000_060)))
    }

    @Test func vonageMutationsAreRejected() {
        let signed = vonageParameters + [("sig", "cf4d295cace9af92e3e25631d26584aa")]
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(!vonage.isValid(parameters: signed, secret: "other", now: now), "wrong secret")
        #expect(!vonage.isValid(parameters: vonageParameters, secret: "secret", now: now), "no sig")
        var changed = signed
        changed[3].value = "Hello World"
        #expect(!vonage.isValid(parameters: changed, secret: "secret", now: now), "changed text")
        #expect(!vonage.isValid(parameters: signed, secret: "secret", now: now.addingTimeInterval(3600)), "replayed an hour later")
    }
}
