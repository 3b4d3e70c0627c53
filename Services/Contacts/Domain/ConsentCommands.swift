import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Consent from `consent.keyword` (docs/architecture.md section 4, issue #5): `opt_out` opts the
/// customer number out for the organisation number it texted, `opt_in` back in, `help` is
/// only recorded. Every keyword joins the number's history; each change of state emits
/// `consent.changed`, which session uses to refuse or allow replies. A keyword older than
/// the change already applied changes nothing (``ConsentRules/apply(_:at:current:)``).
struct ConsentCommands: Sendable {
    let store: PostgresConsentStore
    let outbox: Outbox
    let logger: Logger
    let defaultRegion: String

    func keyword(_ keyword: ConsentKeyword, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let action = ConsentAction(rawValue: keyword.action) else {
            throw InvalidMessage("action must be opt_out, opt_in or help, not \(keyword.action)")
        }
        let number: String
        do { number = try PhoneNumberNormalizer().normalize(keyword.from, defaultRegion: defaultRegion) } catch {
            throw InvalidMessage("from is not a phone number: \(error.description)")
        }
        let org: String
        do { org = try PhoneNumberNormalizer().normalizeAddress(keyword.to, defaultRegion: defaultRegion) } catch {
            throw InvalidMessage("to is not a phone number or short code: \(error.description)")
        }
        let entry = ConsentView.Entry(orgNumber: org, keyword: keyword.keyword, action: action, at: keyword.at)
        try await store.record(entry, number: number, messageID: keyword.messageId, on: connection, logger: logger)
        let current = try await store.lock(number: number, orgNumber: org, on: connection, logger: logger)
        switch ConsentRules.apply(action, at: keyword.at, current: current) {
        case .changed(let state):
            try await store.set(number: number, orgNumber: org, state: state, at: keyword.at, on: connection, logger: logger)
            let event = try OutboxMessage.event(
                .consentChanged, service: "contacts", subject: nil, traceparent: traceparent,
                data: ConsentChanged(number: number, orgNumber: org, state: state.rawValue, at: keyword.at),
                correlationID: ConversationKey.make(customer: number, organisation: org)
            )
            try await outbox.enqueue([event], on: connection, logger: logger)
            logger.info("consent changed", metadata: ["message_id": "\(keyword.messageId)", "state": "\(state.rawValue)"])
        case .confirmed(let state):
            try await store.set(number: number, orgNumber: org, state: state, at: keyword.at, on: connection, logger: logger)
            logger.debug("consent keyword confirmed the state", metadata: ["message_id": "\(keyword.messageId)", "state": "\(state.rawValue)"])
        case .unchanged, .stale:
            logger.debug("consent keyword recorded", metadata: ["message_id": "\(keyword.messageId)", "action": "\(action.rawValue)"])
        }
    }
}
