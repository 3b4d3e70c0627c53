import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// Number settings (admin), disposition codes and the SMS preview (with its spell check).
struct SettingsRoutes: Sendable {
    let settings: PostgresSettingsStore
    let defaults: NumberSettings
    let dispositions: DispositionCatalog
    let maxParts: Int
    let spelling: SpellChecker
    let client: PostgresClient
    let defaultRegion: String
    let logger: Logger

    struct NumberSettingsView: Encodable, Sendable {
        var number: String
        var mode: InteractionMode
        var queue: String
        var inactivityTimeoutSeconds: Int
        var dispositionRequired: Bool
        /// False while the number uses the defaults from the environment.
        var configured: Bool
    }

    struct NumberSettingsBody: Decodable, Sendable {
        var mode: InteractionMode?
        var queue: String?
        var inactivityTimeoutSeconds: Int?
        var dispositionRequired: Bool?
    }

    struct PreviewBody: Decodable, Sendable { var text: String? }

    struct PreviewView: Encodable, Sendable {
        var encoding: String
        var parts: [String]
        var charactersRemaining: Int
        var maxParts: Int
        var tooLong: Bool
        /// Words no configured dictionary knows, offsets in UTF-16 code units; `[]` when
        /// spell checking is off.
        var misspelled: [Misspelling]
    }

    struct DispositionList: Encodable, Sendable { var items: [DispositionCatalog.Code] }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/v1/numbers/:number") { request, context -> Response in
            _ = try context.identity(anyOf: .admin, .supervisor)
            let number = try self.number(context)
            let stored = try await settings.settings(for: number, client: client, logger: logger)
            return try JSONBody.response(view(number, stored ?? defaults, configured: stored != nil))
        }
        router.put("/v1/numbers/:number") { request, context -> Response in
            let identity = try context.identity(anyOf: .admin)
            let number = try self.number(context)
            let body = try await JSONBody.decode(NumberSettingsBody.self, from: request)
            let current = try await settings.settings(for: number, client: client, logger: logger) ?? defaults
            let updated = NumberSettings(
                mode: body.mode ?? current.mode, queue: body.queue ?? current.queue,
                inactivityTimeoutSeconds: body.inactivityTimeoutSeconds ?? current.inactivityTimeoutSeconds,
                dispositionRequired: body.dispositionRequired ?? current.dispositionRequired
            )
            if let problem = updated.problem { throw APIError.invalid(problem) }
            try await settings.save(updated, for: number, client: client, logger: logger)
            logger.info("number settings changed", metadata: ["by": "\(identity.agentID)"])
            return try JSONBody.response(view(number, updated, configured: true))
        }
        router.get("/v1/dispositions") { request, context -> Response in
            _ = try context.identity()
            return try JSONBody.response(DispositionList(items: dispositions.codes))
        }
        router.post("/v1/sms/preview") { request, context -> Response in
            _ = try context.identity()
            let body = try await JSONBody.decode(PreviewBody.self, from: request, limit: 64 << 10)
            let text = body.text ?? ""
            let segmentation = SMSSegmenter().segment(text)
            let misspelled = await spelling.misspelled(in: text)
            return try JSONBody.response(
                PreviewView(
                    encoding: segmentation.encoding.rawValue, parts: segmentation.parts,
                    charactersRemaining: segmentation.charactersRemaining, maxParts: maxParts,
                    tooLong: segmentation.parts.count > maxParts, misspelled: misspelled
                ))
        }
    }

    private func number(_ context: SwitchboardRequestContext) throws -> String {
        let raw = context.parameters.get("number")?.removingPercentEncoding ?? ""
        do { return try PhoneNumberNormalizer().normalizeAddress(raw, defaultRegion: defaultRegion) } catch {
            throw APIError.invalid("not a phone number or short code: \(error.description)")
        }
    }

    private func view(_ number: String, _ settings: NumberSettings, configured: Bool) -> NumberSettingsView {
        NumberSettingsView(
            number: number, mode: settings.mode, queue: settings.queue, inactivityTimeoutSeconds: settings.inactivityTimeoutSeconds,
            dispositionRequired: settings.dispositionRequired, configured: configured
        )
    }
}
