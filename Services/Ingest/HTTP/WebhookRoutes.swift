import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The carriers' webhooks, each enabled per channel: the channel must exist with that
/// carrier, else 404. They are authenticated by the carrier's signature (or URL token),
/// never by a bearer token.
///
/// | carrier | inbound | receipts | answer |
/// |---|---|---|---|
/// | Twilio | `POST /v1/webhooks/twilio/{channel}` | `POST .../twilio/{channel}/status` | empty TwiML (`text/xml`); 204 for status |
/// | Vonage | `GET/POST /v1/webhooks/vonage/{channel}/inbound` | `GET/POST .../receipt` | 204 |
/// | Jasmin | `GET/POST /v1/webhooks/jasmin/{channel}/inbound` | `GET/POST .../receipt` | 200 `ACK/Jasmin` |
/// | Kannel | `GET/POST /v1/webhooks/kannel/{channel}/inbound` | `GET/POST .../receipt` | 200, empty body |
///
/// Authentication: Twilio `X-Twilio-Signature` (``TwilioSignature``; the channel's
/// `auth_token` and `public_base_url`) is always required; Vonage `sig`
/// (``VonageSignature``, md5hash) with the channel's `signature_secret`; Jasmin and
/// Kannel `?token=` in the URL (never a form field) equal to the channel's `url_token`.
/// A channel without its secret is never open: its webhooks are refused (reason
/// `no_secret`) unless the admin set `allow_unauthenticated_webhooks`. A bad or missing
/// signature: 403 `invalid_signature`, nothing stored, counted by
/// `switchboard_ingest_webhook_rejected_total{carrier,reason}`.
///
/// An inbound message goes through the same rules and dedup as the queue (a carrier's
/// retry gets the same success answer and stores nothing new); one that breaks them is a
/// 422 `invalid_message`. A receipt whose carrier id is unknown is answered with success
/// and counted (``ReceiptRecorder``).
struct WebhookRoutes: Sendable {
    let channels: PostgresChannelStore
    let acceptor: InboundAcceptor
    let receipts: ReceiptRecorder
    let digests: any SignatureDigests
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let logger: Logger
    static let bodyLimit = 1 << 20
    static let emptyTwiML = #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#

    func register(on router: Router<SwitchboardRequestContext>) {
        // Twilio
        router.post("/v1/webhooks/twilio/:channel") { request, context -> Response in
            let (channel, fields) = try await twilio(request, context)
            _ = try await accept(CarrierPayloads.twilioInbound(fields, channel: channel.name), channel: channel, source: "twilio", request: request)
            return Self.text(Self.emptyTwiML, contentType: "text/xml")
        }
        router.post("/v1/webhooks/twilio/:channel/status") { request, context -> Response in
            let (channel, fields) = try await twilio(request, context)
            try await receipt(CarrierPayloads.twilioReceipt(fields), channel: channel, source: "twilio", request: request)
            return Response(status: .noContent)
        }
        // Vonage, Jasmin, Kannel: GET (query) or POST (form or JSON)
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/v1/webhooks/vonage/:channel/inbound", method: method) { request, context -> Response in
                let (channel, fields) = try await vonage(request, context)
                _ = try await accept(
                    CarrierPayloads.vonageInbound(fields, channel: channel.name), channel: channel, source: "vonage", request: request)
                return Response(status: .noContent)
            }
            router.on("/v1/webhooks/vonage/:channel/receipt", method: method) { request, context -> Response in
                let (channel, fields) = try await vonage(request, context)
                try await receipt(CarrierPayloads.vonageReceipt(fields), channel: channel, source: "vonage", request: request)
                return Response(status: .noContent)
            }
            router.on("/v1/webhooks/jasmin/:channel/inbound", method: method) { request, context -> Response in
                let (channel, fields, _) = try await tokenChecked(request, context, carrier: .jasmin)
                _ = try await accept(
                    CarrierPayloads.jasminInbound(fields, channel: channel.name), channel: channel, source: "jasmin", request: request)
                return Self.text("ACK/Jasmin", contentType: "text/plain")
            }
            router.on("/v1/webhooks/jasmin/:channel/receipt", method: method) { request, context -> Response in
                let (channel, fields, _) = try await tokenChecked(request, context, carrier: .jasmin)
                try await receipt(CarrierPayloads.jasminReceipt(fields), channel: channel, source: "jasmin", request: request)
                return Self.text("ACK/Jasmin", contentType: "text/plain")
            }
            router.on("/v1/webhooks/kannel/:channel/inbound", method: method) { request, context -> Response in
                let (channel, fields, body) = try await tokenChecked(request, context, carrier: .kannel)
                var headers: [String: String] = [:]
                for field in request.headers where field.name.canonicalName.hasPrefix("x-kannel-") {
                    headers[field.name.canonicalName] = field.value
                }
                let message = CarrierPayloads.kannelInbound(
                    fields, body: body.isForm ? nil : body.bytes.nilIfEmpty, headers: headers, channel: channel.name, digests: digests
                )
                _ = try await accept(message, channel: channel, source: "kannel", request: request)
                return Self.text("", contentType: "text/plain")
            }
            router.on("/v1/webhooks/kannel/:channel/receipt", method: method) { request, context -> Response in
                let (channel, fields, _) = try await tokenChecked(request, context, carrier: .kannel)
                try await receipt(CarrierPayloads.kannelReceipt(fields), channel: channel, source: "kannel", request: request)
                return Self.text("", contentType: "text/plain")
            }
        }
    }

    // MARK: Authentication per carrier

    private func twilio(_ request: Request, _ context: SwitchboardRequestContext) async throws -> (ChannelSettings, FormFields) {
        let channel = try await configuredChannel(context, carrier: .twilio)
        let body = try await Self.body(of: request)
        let target = request.head.path ?? "/"
        let url = (channel.publicBaseURL ?? "") + target
        let signed: TwilioSignature.Body = body.isForm ? .form(body.fields) : (body.bytes.isEmpty ? .none : .raw(body.bytes))
        let header = request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value
        guard
            TwilioSignature(digests: digests).isValid(
                header: header, url: url, body: signed, authToken: channel.credentials["auth_token"] ?? ""
            )
        else {
            throw refuse(carrier: "twilio", reason: header == nil ? "missing" : "mismatch")
        }
        // Fields: the form, or a JSON object's members; plus the query's (Twilio's own are in the body).
        let fields = body.isForm ? body.fields : (FormFields(json: body.bytes) ?? FormFields())
        return (channel, fields.merging(FormFields(encoded: request.uri.query ?? "")))
    }

    private func vonage(_ request: Request, _ context: SwitchboardRequestContext) async throws -> (ChannelSettings, FormFields) {
        let channel = try await configuredChannel(context, carrier: .vonage)
        let body = try await Self.body(of: request)
        var fields = FormFields(encoded: request.uri.query ?? "")
        if body.isForm {
            fields = fields.merging(body.fields)
        } else if let json = FormFields(json: body.bytes) {
            fields = fields.merging(json)
        }
        if let secret = channel.credentials["signature_secret"] {
            guard VonageSignature(digests: digests).isValid(parameters: fields.pairs, secret: secret, now: Date()) else {
                throw refuse(carrier: "vonage", reason: fields["sig"] == nil ? "missing" : "mismatch")
            }
        } else if channel.webhooksRefused {
            throw refuse(carrier: "vonage", reason: "no_secret")
        }
        return (channel, fields)
    }

    private func tokenChecked(
        _ request: Request, _ context: SwitchboardRequestContext, carrier: Carrier
    ) async throws -> (ChannelSettings, FormFields, Body) {
        let channel = try await configuredChannel(context, carrier: carrier)
        let body = try await Self.body(of: request)
        let query = FormFields(encoded: request.uri.query ?? "")
        if let token = channel.credentials["url_token"] {
            // Only the URL's `?token=` counts, as documented: the token is part of the URL the
            // admin gives the carrier, never a form field a sender could add to the body.
            guard let given = query["token"], ConstantTime.equal(Array(given.utf8), Array(token.utf8)) else {
                throw refuse(carrier: carrier.rawValue, reason: query["token"] == nil ? "missing" : "mismatch")
            }
        } else if channel.webhooksRefused {
            throw refuse(carrier: carrier.rawValue, reason: "no_secret")
        }
        let fields = body.isForm ? query.merging(body.fields) : query
        return (channel, fields, body)
    }

    private func refuse(carrier: String, reason: String) -> APIError {
        Counter(label: "switchboard_ingest_webhook_rejected_total", dimensions: [("carrier", carrier), ("reason", reason)]).increment()
        logger.warning("webhook signature refused", metadata: ["carrier": "\(carrier)", "reason": "\(reason)"])
        return APIError(
            status: .forbidden, code: "invalid_signature", title: "Not allowed",
            detail: "The request's signature is missing or does not match the channel's credentials."
        )
    }

    /// The channel named in the path, configured for `carrier`; else 404.
    private func configuredChannel(_ context: SwitchboardRequestContext, carrier: Carrier) async throws -> ChannelSettings {
        guard let name = context.parameters.get("channel"), ChannelRequest.validName(name),
            let channel = try await channels.channel(named: name, client: client, logger: logger), channel.carrier == carrier
        else { throw APIError.notFound("The \(carrier.rawValue) channel") }
        return channel
    }

    // MARK: Effects

    private func accept(_ message: InboundMessage, channel: ChannelSettings, source: String, request: Request) async throws -> InboundAcceptor.Outcome
    {
        do {
            return try await acceptor.accept(message, source: source, region: channel.defaultRegion, traceparent: request.headers[.traceparent])
        } catch let invalid as InvalidMessage {
            throw APIError.invalid(invalid.reason, code: "invalid_message")
        }
    }

    private func receipt(_ receipt: CarrierReceipt?, channel: ChannelSettings, source: String, request: Request) async throws {
        guard let receipt else { throw APIError.invalid("the receipt has no message id or no status", code: "invalid_receipt") }
        let trace = request.headers[.traceparent]
        do {
            _ = try await outbox.transaction(on: client, logger: logger) { connection in
                try await receipts.record(receipt, channel: channel.name, source: source, traceparent: trace, now: Date(), on: connection)
            }
        } catch {
            throw TransactionalHandler.unwrap(error)
        }
    }

    // MARK: Bodies

    struct Body: Sendable {
        var bytes: [UInt8]
        var isForm: Bool
        var fields: FormFields
    }

    private static func body(of request: Request) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: bodyLimit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "body_too_large", title: "Body too large", detail: "At most \(bodyLimit) bytes.")
        }
        let bytes = Array(buffer.readableBytesView)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let isForm = contentType.hasPrefix("application/x-www-form-urlencoded")
        return Body(bytes: bytes, isForm: isForm, fields: isForm ? FormFields(encodedBytes: bytes) : FormFields())
    }

    private static func text(_ text: String, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
