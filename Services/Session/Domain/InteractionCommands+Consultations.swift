import Foundation
import Logging
import Metrics
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// IM consultations (docs/architecture.md section 10.3): the owner of an interaction invites
/// another agent, both post internal messages the customer never sees, and either of them, a
/// supervisor or an admin ends it; it ends by itself when the interaction closes or changes
/// owner. Each operation runs in the caller's transaction and locks the interaction first
/// (as closing and assigning do), then the consultation, and writes its
/// `interaction.consultation.*` event to the outbox with the change (subject and correlation
/// id the interaction's, so the interaction's events stay in order).
///
/// Internal entries take the interaction's next `seq` like any entry, but are never
/// published to `switchboard.outbound`, never counted as message exchanges (the contact
/// history counts `message` entries) and never emitted as `interaction.message.appended`,
/// which other consumers take for messages exchanged with the customer; nor do they count as
/// activity for the inactivity timeout, which is about the customer's conversation.
extension InteractionCommands {
    /// `POST /v1/interactions/{id}/consultations`: the owner invites `agentID` (checked by
    /// ``ConsultationPolicy/invitee(_:caller:)``). 404 / 403 `not_owner` / 409
    /// `interaction_closed` as any owner's action; 409 `consultation_open` when one with that
    /// agent is open on the interaction already.
    func invite(
        _ agentID: String, to id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws
        -> ConsultationView
    {
        let record = try await lockForAction(id, identity, on: connection)
        guard
            let consultation = try await store.openConsultation(
                id: UUID(), interactionID: record.id, from: PartyView(id: identity.agentID, name: identity.name), agentID: agentID, at: Date(),
                on: connection, logger: logger)
        else { throw SessionError.consultationOpen }
        try await outbox.enqueue(
            [try consultationEvent(.interactionConsultationStarted, consultation, traceparent: traceparent)], on: connection, logger: logger)
        Counter(label: "switchboard_session_consultations_total").increment()
        logger.debug(
            "consultation started",
            metadata: ["interaction_id": "\(record.idString)", "consultation_id": "\(consultation.view.id)"])
        return consultation.view
    }

    /// `POST /v1/consultations/{id}/messages`: one of its two agents posts `text` (checked by
    /// ``ConsultationPolicy/text(_:)``) while it is open. Appends the internal entry (author
    /// the caller, no direction) and returns it as the transcript shows it.
    func postInternal(
        _ text: String, in consultationID: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> TranscriptEntryView {
        let (record, consultation) = try await lockConsultation(consultationID, on: connection)
        try ConsultationPolicy().checkPost(identity, consultation)
        // An open consultation's interaction is open (closing ends it); kept as a guard.
        guard record.state.isOpen else { throw SessionError.consultationEnded }
        let entry = NewTranscriptEntry(
            interactionID: record.id, kind: "internal", direction: nil, authorType: "agent", authorID: identity.agentID,
            authorName: identity.name, text: text, entities: extractor.extract(text), at: Date()
        )
        let (seq, media) = try await store.append(entry, on: connection, logger: logger)
        let view = entry.view(seq: seq, media: media)
        try await outbox.enqueue(
            [try consultationEvent(.interactionConsultationMessage, consultation, entry: view, traceparent: traceparent)], on: connection,
            logger: logger)
        Counter(label: "switchboard_session_consultation_messages_total").increment()
        return view
    }

    /// `POST /v1/consultations/{id}/end`: one of its agents, a supervisor or an admin ends
    /// it (`ended_by` the caller); 409 `consultation_ended` when it already ended.
    func endConsultation(
        _ consultationID: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws
        -> ConsultationView
    {
        let (_, consultation) = try await lockConsultation(consultationID, on: connection)
        _ = try ConsultationPolicy().checkEnd(identity, consultation)
        guard
            let ended = try await store.endConsultation(
                consultationID, by: PartyView(id: identity.agentID, name: identity.name), at: Date(), on: connection, logger: logger)
        else { throw SessionError.consultationEnded }
        try await outbox.enqueue(
            [try consultationEvent(.interactionConsultationEnded, ended, traceparent: traceparent)], on: connection, logger: logger)
        return ended.view
    }

    /// Ends, by the system (`ended_by` null), every open consultation of an interaction that
    /// is closing or changing owner, and returns their `interaction.consultation.ended` events
    /// for the caller's outbox (the caller holds the interaction's lock).
    func endOpenConsultations(of id: UUID, at: Date, traceparent: String?, on connection: PostgresConnection) async throws -> [OutboxMessage] {
        try await store.endOpenConsultations(of: id, at: at, on: connection, logger: logger).map {
            try consultationEvent(.interactionConsultationEnded, $0, traceparent: traceparent)
        }
    }

    /// The consultation and its interaction, locked in that order; 404 for an unknown one.
    private func lockConsultation(_ id: UUID, on connection: PostgresConnection) async throws -> (InteractionRecord, ConsultationRecord) {
        guard let interactionID = try await store.interactionOfConsultation(id, on: connection, logger: logger),
            let record = try await store.lock(interactionID, on: connection, logger: logger),
            let consultation = try await store.lockConsultation(id, on: connection, logger: logger)
        else { throw SessionError.consultationNotFound }
        return (record, consultation)
    }

    private func consultationEvent(
        _ type: EventType, _ consultation: ConsultationRecord, entry: TranscriptEntryView? = nil, traceparent: String?
    ) throws -> OutboxMessage {
        try event(
            type, consultation.interactionID, traceparent,
            InteractionConsultationChanged(
                interactionId: consultation.interactionID.uuidString.lowercased(), consultation: consultation.view, entry: entry))
    }
}
