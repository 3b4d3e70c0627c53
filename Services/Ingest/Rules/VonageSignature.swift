import Foundation

/// Verifies the `sig` parameter of Vonage (Nexmo) SMS API webhooks signed with the
/// **md5hash** method (the account's "signature method" setting "MD5 hash"), the default of
/// the SMS API: every parameter except `sig`, sorted by name, written as `&name=value`
/// (with `&` and `=` inside values replaced by `_`, as Vonage does), concatenated, the
/// signature secret appended, MD5, lowercase hex. Compared in constant time, ignoring case.
/// (The HMAC methods `md5`/`sha1`/`sha256`/`sha512` are not supported.)
///
/// Vonage adds `timestamp` (Unix seconds) to signed requests; a signed request whose
/// `timestamp` is more than `maxSkew` away from now is refused, so a captured request
/// cannot be replayed later (the dedup also makes a replay harmless).
struct VonageSignature: Sendable {
    let digests: any SignatureDigests
    var maxSkew: TimeInterval = 300

    func signature(parameters: [(name: String, value: String)], secret: String) -> String {
        let sorted = parameters.filter { $0.name != "sig" }.sorted {
            $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars)
        }
        var text = ""
        for parameter in sorted {
            let value = parameter.value.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_")
            text += "&\(parameter.name)=\(value)"
        }
        text += secret
        return Hex.string(digests.md5(Array(text.utf8)))
    }

    func isValid(parameters: [(name: String, value: String)], secret: String, now: Date) -> Bool {
        guard !secret.isEmpty, let sig = parameters.first(where: { $0.name == "sig" })?.value, !sig.isEmpty else { return false }
        if let timestamp = parameters.first(where: { $0.name == "timestamp" })?.value, let seconds = Double(timestamp) {
            guard abs(now.timeIntervalSince1970 - seconds) <= maxSkew else { return false }
        }
        let expected = signature(parameters: parameters, secret: secret)
        return ConstantTime.equal(Array(expected.utf8), Array(sig.lowercased().utf8))
    }
}
