import Foundation
import Logging
import Metrics
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Every change to an interaction, as one place that applies the rules. Each operation
/// runs inside the caller's transaction: it locks the interaction row, checks the rules,
/// writes the change and the transcript entry, and puts the resulting events (and
/// outbound SMS) in the outbox, so all of it commits or none does.
struct InteractionCommands: Sendable {
    let store: PostgresInteractionStore
    let settings: PostgresSettingsStore
    let responses: StandardResponseStore
    let outbox: Outbox
    let defaults: NumberSettings
    let dispositions: DispositionCatalog
    let maxParts: Int
    let extractor: EntityExtractor
    let access = AccessPolicy()
    let segmenter = SMSSegmenter()
    let logger: Logger

    // MARK: Inbound

    /// A `message.received` joins the open session of its conversation or opens an interaction.
    func placeInbound(_ message: MessageReceived, traceparent: String?, on connection: PostgresConnection) async throws {
        let numberSettings = try await settings.settings(for: message.to, on: connection, logger: logger) ?? defaults
        let openID =
            numberSettings.mode == .session
            ? try await store.openSessionID(organisation: message.to, customer: message.from, on: connection, logger: logger)
            : nil
        var events: [OutboxMessage] = []
        let interactionID: UUID
        switch ConversationPlacement.decide(mode: numberSettings.mode, openSessionID: openID) {
        case .join(let id):
            interactionID = id
        case .open:
            interactionID = UUID()
            let hasMedia = !message.media.isEmpty
            let interaction = NewInteraction(
                id: interactionID, settings: numberSettings, media: hasMedia ? "mms" : "sms", channel: message.channel,
                from: message.from, to: message.to, origin: numberSettings.mode.origin(hasMedia: hasMedia), createdAt: message.acceptedAt
            )
            try await store.create(interaction, on: connection, logger: logger)
            events.append(
                try event(
                    .interactionCreated, interactionID, traceparent,
                    InteractionCreated(
                        interactionId: interactionID.uuidString.lowercased(), mode: numberSettings.mode.rawValue, media: interaction.media,
                        from: interaction.from, to: interaction.to, queue: numberSettings.queue, origin: interaction.origin,
                        createdAt: interaction.createdAt, interaction: interaction.view(state: .queued, owner: nil)
                    )))
        }
        events.append(
            try await appendEntry(
                NewTranscriptEntry(
                    interactionID: interactionID, kind: "message", direction: "inbound", authorType: "contact", authorID: message.from,
                    authorName: nil, text: message.text, entities: extractor.extract(message.text), messageID: message.messageId,
                    ingestSequence: message.sequence, at: message.acceptedAt, mediaCount: message.media.count
                ), touchingAt: message.acceptedAt, traceparent: traceparent, on: connection
            ).1)
        if !message.media.isEmpty {
            // Media keeps its items' interaction for who may view them.
            events.append(
                OutboxMessage(
                    messageID: "\(message.messageId).placed", exchange: SwitchboardTopology.commandsExchange,
                    routingKey: "media.message.placed", type: "media.message.placed", contentType: "application/json",
                    correlationID: interactionID.uuidString.lowercased(), traceparent: traceparent, mandatory: true,
                    body: try SwitchboardJSON.encoder().encode(
                        MediaMessagePlaced(
                            messageId: message.messageId, interactionId: interactionID.uuidString.lowercased()
                        ))
                ))
            // The message's media lock is held since its entry was appended: no failure can slip in between.
            for failure in try await store.takeParkedMediaFailures(messageID: message.messageId, on: connection, logger: logger) {
                events.append(
                    try await append(
                        system(interactionID, Self.mediaFailureText(failure.reason), at: failure.failedAt), traceparent: traceparent, on: connection
                    ))
            }
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
        logger.debug(
            "inbound message appended",
            metadata: [
                "interaction_id": "\(interactionID.uuidString.lowercased())", "message_id": "\(message.messageId)",
                "trace_id": "\(traceparent.flatMap(TraceContext.traceID(of:)) ?? "")",
            ])
    }

    // MARK: Agent operations

    struct ReplyResult: Encodable, Sendable {
        var messageId: String
        var seq: Int
        var encoding: String
        var parts: [String]
        var closed: Bool
    }

    func reply(
        to id: UUID, text rawText: String, standardResponseID: UUID?, by identity: Identity, traceparent: String?,
        on connection: PostgresConnection
    ) async throws -> ReplyResult {
        let record = try await lockForAction(id, identity, on: connection)
        let message: MessageText
        do { message = try MessageText(rawText, maxParts: maxParts, segmenter: segmenter) } catch {
            switch error {
            case .empty: throw SessionError.emptyReply
            case .tooLong(let parts, let max): throw SessionError.replyTooLong(parts: parts, max: max)
            }
        }
        guard try await !settings.isOptedOut(organisation: record.to, customer: record.from, on: connection, logger: logger) else {
            throw SessionError.recipientOptedOut
        }
        if let standardResponseID {
            guard try await responses.recordUse(standardResponseID, on: connection, logger: logger) else {
                throw SessionError.unknownStandardResponse
            }
        }
        let now = Date()
        let sent = try await send(message, in: record, by: identity, at: now, traceparent: traceparent, on: connection)
        var events = sent.events
        let segmentation = message.segmentation
        var closed = false
        if record.mode == .page {
            events += try await close(
                record, reason: "replied", text: "Closed after the reply (Page mode)", at: now, traceparent: traceparent, on: connection)
            closed = true
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
        Counter(label: "switchboard_session_replies_total", dimensions: [("encoding", segmentation.encoding.rawValue)]).increment()
        return ReplyResult(
            messageId: sent.messageID, seq: sent.seq, encoding: segmentation.encoding.rawValue, parts: segmentation.parts, closed: closed
        )
    }

    func done(_ id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws {
        let record = try await lockForAction(id, identity, on: connection)
        if record.dispositionRequired, record.disposition == nil { throw SessionError.dispositionRequired }
        let events = try await close(
            record, reason: "done", text: "Marked Done by \(identity.name ?? identity.agentID)", at: Date(), traceparent: traceparent,
            on: connection
        )
        try await outbox.enqueue(events, on: connection, logger: logger)
    }

    func setDisposition(_ id: UUID, code: String, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws {
        guard dispositions.contains(code) else { throw SessionError.unknownDisposition(code) }
        _ = try await lockForAction(id, identity, on: connection)
        try await store.setDisposition(id, code: code, on: connection, logger: logger)
        try await outbox.enqueue(
            [
                try event(
                    .interactionUpdated, id, traceparent,
                    InteractionUpdated(
                        interactionId: id.uuidString.lowercased(), field: "disposition", agentId: identity.agentID, disposition: code,
                        note: nil, caseData: nil, at: Date(), interaction: try await view(id, on: connection)
                    ))
            ], on: connection, logger: logger)
    }

    static let maxNoteLength = 4000

    func setNote(_ id: UUID, text: String, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws {
        guard text.count <= Self.maxNoteLength else { throw SessionError.invalid("note is longer than \(Self.maxNoteLength) characters") }
        _ = try await lockForAction(id, identity, on: connection)
        try await store.setNote(id, text: text, on: connection, logger: logger)
        try await outbox.enqueue(
            [
                try event(
                    .interactionUpdated, id, traceparent,
                    InteractionUpdated(
                        interactionId: id.uuidString.lowercased(), field: "note", agentId: identity.agentID, disposition: nil, note: text,
                        caseData: nil, at: Date(), interaction: try await view(id, on: connection)
                    ))
            ], on: connection, logger: logger)
    }

    func patchCaseData(
        _ id: UUID, patch: CaseDataPatch, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> [String: String] {
        let record = try await lockForAction(id, identity, on: connection)
        let updated: [String: String]
        do { updated = try patch.applied(to: record.caseData) } catch { throw SessionError.invalid(error.description) }
        try await store.setCaseData(id, updated, on: connection, logger: logger)
        try await outbox.enqueue(
            [
                try event(
                    .interactionUpdated, id, traceparent,
                    InteractionUpdated(
                        interactionId: id.uuidString.lowercased(), field: "case_data", agentId: identity.agentID, disposition: nil, note: nil,
                        caseData: updated, at: Date(), interaction: try await view(id, on: connection)
                    ))
            ], on: connection, logger: logger)
        return updated
    }

    // MARK: From other services

    /// `interaction.assign`: applied only if the owner is still the expected one.
    func assign(_ command: InteractionAssign, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: command.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard let record = try await store.lock(id, on: connection, logger: logger) else {
            throw InvalidMessage("interaction \(command.interactionId) does not exist")
        }
        guard record.state.isOpen else {
            logger.warning("assignment of a closed interaction ignored", metadata: ["interaction_id": "\(record.idString)"])
            Counter(label: "switchboard_session_assignments_refused_total", dimensions: [("reason", "closed")]).increment()
            return
        }
        guard record.ownerID == command.expectedOwnerId else {
            logger.warning("assignment ignored: owner changed", metadata: ["interaction_id": "\(record.idString)"])
            Counter(label: "switchboard_session_assignments_refused_total", dimensions: [("reason", "owner_changed")]).increment()
            return
        }
        let now = Date()
        // A new owner: the consultations its previous owner opened end here, events first.
        var events =
            record.ownerID != nil && record.ownerID != command.agentId
            ? try await endOpenConsultations(of: id, at: now, traceparent: traceparent, on: connection) : []
        try await store.assign(id, agentID: command.agentId, agentName: command.agentName, on: connection, logger: logger)
        let agent = command.agentName ?? command.agentId
        let text =
            command.reason == "transferred"
            ? "Transferred on \(RFC3339.string(from: now)) by \(record.ownerName ?? record.ownerID ?? "the system") to \(agent)"
            : "Accepted by \(agent)"
        events.append(try await append(system(id, text, at: now), traceparent: traceparent, on: connection))
        events.append(
            try event(
                .interactionAssigned, id, traceparent,
                InteractionAssigned(
                    interactionId: record.idString, agentId: command.agentId, agentName: command.agentName, previousOwnerId: record.ownerID,
                    reason: command.reason, transferId: command.transferId, at: now, interaction: try await view(id, on: connection)
                )))
        try await outbox.enqueue(events, on: connection, logger: logger)
    }

    /// An inactivity timeout that fired (the record is locked by the claim).
    func timeout(_ record: InteractionRecord, now: Date, on connection: PostgresConnection) async throws {
        let minutes = record.inactivityTimeoutSeconds / 60
        let text =
            minutes > 0 ? "Closed after \(minutes) minutes of inactivity" : "Closed after \(record.inactivityTimeoutSeconds) seconds of inactivity"
        let events = try await close(record, reason: "timeout", text: text, at: now, traceparent: TraceContext.newTraceparent(), on: connection)
        try await outbox.enqueue(events, on: connection, logger: logger)
        Counter(label: "switchboard_session_timeouts_total").increment()
    }

    /// A delivery report moves the parts it names; a change is `interaction.message.updated`
    /// with the entry as it now is (a report that changes nothing emits nothing).
    func applyStatus(_ status: MessageStatus, traceparent: String?, on connection: PostgresConnection) async throws {
        guard MessageStatus.statuses.contains(status.status) else { throw InvalidMessage("unknown status \(status.status)") }
        guard let (id, entry) = try await store.updatePartStatus(status, on: connection, logger: logger) else { return }
        let updated = InteractionMessageUpdated(interactionId: id.uuidString.lowercased(), seq: entry.seq, entry: entry, at: Date())
        try await outbox.enqueue([try event(.interactionMessageUpdated, id, traceparent, updated)], on: connection, logger: logger)
    }

    func linkContact(_ link: ContactLinked, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: link.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard try await store.lock(id, on: connection, logger: logger) != nil else { return }
        try await store.setContact(id, contactID: link.contactId, name: link.contactName, on: connection, logger: logger)
    }

    /// Interactions of a merged-away contact now show the surviving one.
    func contactsMerged(_ merge: ContactMerged, on connection: PostgresConnection) async throws {
        try await store.replaceContact(merge.sourceId, with: merge.targetId, name: merge.targetName, on: connection, logger: logger)
    }

    func recordConsent(_ change: ConsentChanged, on connection: PostgresConnection) async throws {
        guard ["opted_in", "opted_out"].contains(change.state) else { throw InvalidMessage("unknown consent state \(change.state)") }
        try await settings.recordConsent(
            organisation: change.orgNumber, customer: change.number, optedOut: change.state == "opted_out", at: change.at,
            on: connection, logger: logger
        )
    }

    /// A stored image joins its message's entry; the entry as it now is goes out as
    /// `interaction.message.updated`, so a desktop shows the thumbnail without reloading.
    func attachMedia(_ stored: MediaStored, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let (id, entry) = try await store.attachMedia(messageID: stored.messageId, mediaID: stored.mediaId, on: connection, logger: logger)
        else { return }
        let updated = InteractionMessageUpdated(interactionId: id.uuidString.lowercased(), seq: entry.seq, entry: entry, at: Date())
        try await outbox.enqueue([try event(.interactionMessageUpdated, id, traceparent, updated)], on: connection, logger: logger)
    }

    /// Takes the media lock of an MMS message (see ``PostgresInteractionStore/lockMediaOfMessage(_:on:logger:)``).
    func lockMediaOfMessage(_ messageID: String, on connection: PostgresConnection) async throws {
        try await store.lockMediaOfMessage(messageID, on: connection, logger: logger)
    }

    /// Puts "An image could not be retrieved" on the message's transcript; a failure that
    /// overtook its message waits for it (``placeInbound`` picks it up).
    func mediaFailed(_ failure: MediaFailed, traceparent: String?, on connection: PostgresConnection) async throws {
        try await store.lockMediaOfMessage(failure.messageId, on: connection, logger: logger)
        guard let id = try await store.interactionID(ofMessage: failure.messageId, on: connection, logger: logger) else {
            try await store.parkMediaFailure(
                messageID: failure.messageId, index: failure.index, reason: failure.reason, at: Date(), on: connection, logger: logger
            )
            return
        }
        let entry = system(id, Self.mediaFailureText(failure.reason), at: Date())
        try await outbox.enqueue([try await append(entry, traceparent: traceparent, on: connection)], on: connection, logger: logger)
    }

    static func mediaFailureText(_ reason: String) -> String {
        "An image could not be retrieved: \(reason)"
    }

    func callbackScheduled(_ callback: CallbackScheduled, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let text = callback.interactionId, let id = UUID(uuidString: text) else { return }
        guard try await store.lock(id, on: connection, logger: logger) != nil else { return }
        let by = callback.scheduledByName ?? callback.scheduledBy
        let entry = system(id, "Callback scheduled for \(RFC3339.string(from: callback.dueAt))\(by.map { " by \($0)" } ?? "")", at: Date())
        try await outbox.enqueue([try await append(entry, traceparent: traceparent, on: connection)], on: connection, logger: logger)
    }

    // MARK: Helpers

    /// Locks the interaction and checks the caller may act on it and it is open: 404 for an
    /// agent who may not see it, 403 `not_owner` for one who sees it (a past owner, an agent
    /// consulted on it) or a supervisor, 409 `interaction_closed`.
    func lockForAction(_ id: UUID, _ identity: Identity, on connection: PostgresConnection) async throws -> InteractionRecord {
        guard let record = try await store.lock(id, on: connection, logger: logger) else { throw SessionError.notFound }
        let readers = try await store.readers(id, on: connection, logger: logger)
        switch access.act(identity, ownerID: record.ownerID, participants: readers.participants, consultants: readers.consultants) {
        case .notVisible: throw SessionError.notFound
        case .notOwner: throw SessionError.notOwner
        case .allowed: break
        }
        guard record.state.isOpen else { throw SessionError.closed }
        return record
    }

    private func close(
        _ record: InteractionRecord, reason: String, text: String, at: Date, traceparent: String?, on connection: PostgresConnection
    ) async throws -> [OutboxMessage] {
        guard record.state.closed() != nil else { throw SessionError.closed }
        // Its open consultations end with it, in this transaction, their events first.
        let ended = try await endOpenConsultations(of: record.id, at: at, traceparent: traceparent, on: connection)
        let appended = try await append(system(record.id, text, at: at), traceparent: traceparent, on: connection)
        try await store.close(record.id, reason: reason, at: at, on: connection, logger: logger)
        return ended + [
            appended,
            try event(
                .interactionClosed, record.id, traceparent,
                InteractionClosed(
                    interactionId: record.idString, reason: reason, ownerId: record.ownerID, from: record.from, to: record.to,
                    mode: record.mode.rawValue, disposition: record.disposition, closedAt: at,
                    interaction: try await view(record.id, on: connection)
                )),
        ]
    }

    private func system(_ id: UUID, _ text: String, at: Date) -> NewTranscriptEntry {
        NewTranscriptEntry(
            interactionID: id, kind: "system", direction: nil, authorType: "system", authorID: nil, authorName: nil, text: text,
            entities: extractor.extract(text), at: at
        )
    }

    /// Appends an entry and returns its `interaction.message.appended` event.
    private func append(_ entry: NewTranscriptEntry, traceparent: String?, on connection: PostgresConnection) async throws -> OutboxMessage {
        try await appendEntry(entry, traceparent: traceparent, on: connection).1
    }

    /// Appends an entry (with `touchingAt`, also recording activity that pushes the
    /// inactivity deadline) and returns its sequence number and event, which carries the
    /// entry as the API shows it, from what was written (no read back).
    func appendEntry(
        _ entry: NewTranscriptEntry, touchingAt activity: Date? = nil, traceparent: String?, on connection: PostgresConnection
    ) async throws -> (Int, OutboxMessage) {
        let (seq, media) = try await store.append(entry, touchingAt: activity, on: connection, logger: logger)
        return (
            seq,
            try event(
                .interactionMessageAppended, entry.interactionID, traceparent,
                InteractionMessageAppended(
                    interactionId: entry.interactionID.uuidString.lowercased(), seq: seq, kind: entry.kind, direction: entry.direction,
                    messageId: entry.messageID, at: entry.at, mediaCount: entry.mediaCount, entry: entry.view(seq: seq, media: media)
                ))
        )
    }

    /// The interaction as the API shows it, without its transcript, as this transaction
    /// leaves it: what `interaction.assigned`, `.updated` and `.closed` carry. One read of the
    /// row the command has locked; these events are not per message.
    private func view(_ id: UUID, on connection: PostgresConnection) async throws -> InteractionView {
        guard let view = try await store.view(id, on: connection, logger: logger) else { throw InteractionMissing(id: id) }
        return view
    }

    func event<Payload: Codable & Sendable>(_ type: EventType, _ id: UUID, _ traceparent: String?, _ data: Payload) throws -> OutboxMessage {
        try OutboxMessage.event(type, service: "session", subject: id.uuidString.lowercased(), traceparent: traceparent, data: data)
    }
}
