import Foundation
import SwitchboardModels

/// A delivery receipt as a carrier reported it, its status already mapped by
/// ``DeliveryStatusTable`` (nil: a status that says nothing about delivery).
struct CarrierReceipt: Sendable, Equatable {
    var carrierID: String
    var rawStatus: String
    var status: String?
    var errorCode: String?
    var at: Date?
}

/// The carriers' webhook fields turned into the inbound message of the contract
/// (docs/architecture.md section 2) and into receipts, without I/O. Unknown fields are ignored; what
/// the contract requires and a carrier did not send is left nil, so the one
/// ``InboundValidator`` gives the reason.
enum CarrierPayloads {
    // MARK: Twilio (Programmable Messaging webhooks, form-encoded)

    /// `MessageSid`, `From`, `To`, `Body`, `NumMedia`, `MediaUrl{N}`, `MediaContentType{N}`.
    /// Twilio reassembles long SMS itself (`NumSegments` is informational).
    static func twilioInbound(_ fields: FormFields, channel: String) -> InboundMessage {
        var media: [InboundMessage.Media] = []
        let count = min(Int(fields.first("NumMedia") ?? "0") ?? 0, 20)
        if count > 0 {
            for index in 0..<count {
                guard let url = fields.first("MediaUrl\(index)") else { continue }
                media.append(.init(url: url, contentType: fields.first("MediaContentType\(index)")))
            }
        }
        return InboundMessage(
            id: fields.first("MessageSid", "SmsMessageSid", "SmsSid"), channel: channel,
            from: fields.first("From").map(stripWhatsApp), to: fields.first("To").map(stripWhatsApp),
            text: fields["Body"], media: media.isEmpty ? nil : media
        )
    }

    /// `MessageSid`, `MessageStatus` (or `SmsStatus`), `ErrorCode`, `RawDlrDoneDate` (YYMMDDhhmm, UTC).
    static func twilioReceipt(_ fields: FormFields) -> CarrierReceipt? {
        guard let id = fields.first("MessageSid", "SmsSid"), let raw = fields.first("MessageStatus", "SmsStatus") else { return nil }
        return CarrierReceipt(
            carrierID: id, rawStatus: raw, status: DeliveryStatusTable.status(raw, from: .twilio),
            errorCode: DeliveryStatusTable.errorCode(fields["ErrorCode"]), at: fields.first("RawDlrDoneDate").flatMap(smscTime)
        )
    }

    // MARK: Vonage (SMS API, GET or POST, form or JSON)

    /// `msisdn` (the customer, international without `+`), `to`, `messageId`, `text`, `type`,
    /// `message-timestamp` (`yyyy-MM-dd HH:mm:ss`, UTC), `concat`, `concat-ref`,
    /// `concat-total`, `concat-part`. `type=binary` carries `data` and `udh` in hex.
    static func vonageInbound(_ fields: FormFields, channel: String) -> InboundMessage {
        var part: InboundMessage.Part?
        var text = fields["text"]
        if fields.first("type")?.lowercased() == "binary" {
            text = fields.first("data").flatMap(Hex.bytes).map { String(decoding: $0, as: UTF8.self) }
            if let udh = fields.first("udh").flatMap(Hex.bytes), let concatenation = UserDataHeader.concatenation(udh) {
                part = .init(ref: concatenation.ref, total: concatenation.total, seq: concatenation.seq)
            }
        }
        if fields.first("concat")?.lowercased() == "true",
            let ref = fields.first("concat-ref").flatMap({ Int($0) }),
            let total = fields.first("concat-total").flatMap({ Int($0) }),
            let seq = fields.first("concat-part").flatMap({ Int($0) })
        {
            part = .init(ref: ref, total: total, seq: seq)
        }
        return InboundMessage(
            id: fields.first("messageId"), channel: channel,
            from: fields.first("msisdn").map(international), to: fields.first("to").map(international),
            text: text, receivedAt: fields.first("message-timestamp").flatMap(spaceSeparatedTime).map(RFC3339.string(from:)),
            part: part
        )
    }

    /// `messageId`, `status`, `err-code`, `scts` (YYMMDDhhmm) or `message-timestamp`.
    static func vonageReceipt(_ fields: FormFields) -> CarrierReceipt? {
        guard let id = fields.first("messageId"), let raw = fields.first("status") else { return nil }
        return CarrierReceipt(
            carrierID: id, rawStatus: raw, status: DeliveryStatusTable.status(raw, from: .vonage),
            errorCode: DeliveryStatusTable.errorCode(fields["err-code"]),
            at: fields.first("scts").flatMap(smscTime) ?? fields.first("message-timestamp").flatMap(spaceSeparatedTime)
        )
    }

    // MARK: Jasmin (HTTP forwarding of MO messages, DLRs)

    /// `id`, `from`, `to`, `origin-connector`, `coding`, `content` or `binary` (hex of the
    /// short message). Coding 8 (UCS-2) is read from `binary` as UTF-16BE, coding 3 as
    /// Latin-1; otherwise `content` as UTF-8.
    static func jasminInbound(_ fields: FormFields, channel: String) -> InboundMessage {
        let coding = fields.first("coding").flatMap { Int($0) } ?? 0
        let binary = fields.first("binary").flatMap(Hex.bytes)
        var text: String?
        switch coding {
        case 8: text = (binary ?? fields.bytes("content")).map(utf16BE)
        case 3: text = (binary ?? fields.bytes("content")).map(latin1)
        default: text = fields["content"] ?? binary.map { String(decoding: $0, as: UTF8.self) }
        }
        return InboundMessage(id: fields.first("id"), channel: channel, from: fields.first("from"), to: fields.first("to"), text: text)
    }

    /// `id`, `message_status`, `level`, `err`, `donedate` (YYMMDDhhmm).
    static func jasminReceipt(_ fields: FormFields) -> CarrierReceipt? {
        guard let id = fields.first("id"), let raw = fields.first("message_status") else { return nil }
        var error = DeliveryStatusTable.errorCode(fields["err"])
        if error == nil, raw.uppercased().hasPrefix("ESME_"), raw.uppercased() != "ESME_ROK" { error = raw }
        return CarrierReceipt(
            carrierID: id, rawStatus: raw, status: DeliveryStatusTable.status(raw, from: .jasmin),
            errorCode: error, at: fields.first("donedate").flatMap(smscTime)
        )
    }

    // MARK: Kannel (sms-service get-url / post-url, dlr-url)

    /// `sender` (%p), `receiver` or `to` (%P), `text` (%a; or the body of a post-url), `ts`
    /// (%t, Unix seconds), `id` (%I), `coding` (%c), `charset` (%C), `udh` (%u, raw bytes).
    /// `X-Kannel-From`/`-To`/`-UDH`/`-Coding`/`-Charset`/`-Time` headers stand in for
    /// missing fields. Without `id`, the id is `kannel-` and a hash of (sender, receiver,
    /// ts, udh, text), so a retry of the same request is still recognised.
    static func kannelInbound(
        _ fields: FormFields, body: [UInt8]?, headers: [String: String], channel: String, digests: any SignatureDigests
    ) -> InboundMessage {
        let from = fields.first("sender", "from") ?? headers["x-kannel-from"]
        let to = fields.first("receiver", "to") ?? headers["x-kannel-to"]
        let charset = (fields.first("charset") ?? headers["x-kannel-charset"])?.uppercased()
        let coding = (fields.first("coding") ?? headers["x-kannel-coding"]).flatMap { Int($0) } ?? 0
        let udh = fields.bytes("udh").flatMap { $0.isEmpty ? nil : $0 } ?? headers["x-kannel-udh"].flatMap(Hex.bytes)
        let rawText = fields.bytes("text") ?? body
        let text = rawText.map { decode($0, charset: charset, coding: coding) }
        let ts = fields.first("ts") ?? headers["x-kannel-time"]
        var part: InboundMessage.Part?
        if let udh, let concatenation = UserDataHeader.concatenation(udh) {
            part = .init(ref: concatenation.ref, total: concatenation.total, seq: concatenation.seq)
        }
        var id = fields.first("id")
        if id == nil, let from, let to {
            let key = [from, to, ts ?? "", Hex.string(udh ?? []), text ?? ""].joined(separator: "\u{1F}")
            id = "kannel-" + Hex.string(digests.sha256(Array(key.utf8)).prefix(16))
        }
        return InboundMessage(
            id: id, channel: channel, from: from, to: to, text: text,
            receivedAt: ts.flatMap { Double($0) }.map { RFC3339.string(from: Date(timeIntervalSince1970: $0)) }, part: part
        )
    }

    /// `id` (the id the connector put in its dlr-url), `status` (%d), `answer` (%A, the SMSC's reply).
    static func kannelReceipt(_ fields: FormFields) -> CarrierReceipt? {
        guard let id = fields.first("id"), let raw = fields.first("status") else { return nil }
        return CarrierReceipt(
            carrierID: id, rawStatus: raw, status: DeliveryStatusTable.status(raw, from: .kannel),
            errorCode: nil, at: fields.first("ts").flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
        )
    }

    // MARK: Helpers

    /// Vonage numbers are international without `+`; short codes (up to 6 digits) stay as they are.
    static func international(_ number: String) -> String {
        let trimmed = number.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 6, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return trimmed }
        return "+" + trimmed
    }

    static func stripWhatsApp(_ number: String) -> String {
        number.hasPrefix("whatsapp:") ? String(number.dropFirst("whatsapp:".count)) : number
    }

    static func decode(_ bytes: [UInt8], charset: String?, coding: Int) -> String {
        switch charset {
        case "UTF-16BE", "UTF-16", "UCS-2", "UCS-2BE", "UNICODEBIG": return utf16BE(bytes)
        case "ISO-8859-1", "LATIN1", "WINDOWS-1252", "CP1252": return latin1(bytes)
        case nil where coding == 2: return utf16BE(bytes)
        default: return String(decoding: bytes, as: UTF8.self)
        }
    }

    static func utf16BE(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        var index = 0
        while index + 1 < bytes.count {
            units.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// `yyyy-MM-dd HH:mm:ss` in UTC.
    static func spaceSeparatedTime(_ text: String) -> Date? {
        RFC3339.date(from: text.replacingOccurrences(of: " ", with: "T") + "Z")
    }

    /// SMSC time `YYMMDDhhmm` (or `YYMMDDhhmmss`), UTC, years 2000–2099.
    static func smscTime(_ text: String) -> Date? {
        let digits = Array(text)
        guard digits.count == 10 || digits.count == 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        func number(_ start: Int) -> String { String(digits[start..<(start + 2)]) }
        let seconds = digits.count == 12 ? number(10) : "00"
        return RFC3339.date(from: "20\(number(0))-\(number(2))-\(number(4))T\(number(6)):\(number(8)):\(seconds)Z")
    }
}
