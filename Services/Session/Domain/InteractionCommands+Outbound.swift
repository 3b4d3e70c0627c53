import Foundation
import Metrics
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

extension InteractionCommands {
    /// `POST /v1/interactions`: an agent texts a customer first (docs/architecture.md
    /// sections 3 and 4). Opens a Session-mode interaction between the two numbers, owned
    /// by the caller from the start (state `active`, as once accepted; the caller is a
    /// participant), in the queue of the organisation number's settings (their inactivity
    /// timeout and disposition rule too), origin "Outbound SMS Session Mode", and sends its
    /// first message exactly as a reply is sent (``send(_:in:by:at:traceparent:on:)``).
    /// Session mode whatever the number's mode, so that the customer's answer joins it on a
    /// Session-mode number.
    ///
    /// Refused, in this order: the customer opted out of the organisation number → 409
    /// `recipient_opted_out` (the reply's check); an interaction between the two numbers is
    /// open, in either mode → 409 `interaction_open` (the desk goes there instead of
    /// starting a second thread), also when a customer's message or another desk opened one
    /// while this ran; it names the open interaction only to a caller who may see it
    /// (``interactionOpen(_:for:on:)``). The channel is ``OutboundChannelChoice``'s.
    ///
    /// Events, in this order in the outbox (one ordering key, the interaction id):
    /// `interaction.assigned` (reason `outbound`, no previous owner), `interaction.created`,
    /// `interaction.message.appended`, then the ``OutboundSMS``. The assignment comes first
    /// so that `transfer`, which keeps an assignment that arrives before the creation and
    /// routes only interactions it has as `queued`, never offers this one to another agent;
    /// it counts in the owner's load. Contacts identifies it from `interaction.created` like
    /// any other; callback and media learn its owner from `interaction.assigned`.
    ///
    /// - Returns: the new interaction's id.
    func openOutbound(_ draft: OutboundDraft, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> UUID {
        let (organisation, customer) = (draft.organisation, draft.customer)
        guard try await !settings.isOptedOut(organisation: organisation, customer: customer, on: connection, logger: logger) else {
            throw SessionError.recipientOptedOut
        }
        if let open = try await store.openInteraction(organisation: organisation, customer: customer, on: connection, logger: logger) {
            throw try await interactionOpen(open, for: identity, on: connection)
        }
        let channel: String
        if let requested = draft.channel {
            channel = requested
        } else {
            let recent = try await store.recentChannels(organisation: organisation, customer: customer, on: connection, logger: logger)
            channel = OutboundChannelChoice.channel(
                requested: nil, lastOfConversation: recent.conversation, lastOfOrganisationNumber: recent.organisationNumber)
        }
        let numberSettings = try await settings.settings(for: organisation, on: connection, logger: logger) ?? defaults
        let interactionSettings = NumberSettings(
            mode: .session, queue: numberSettings.queue, inactivityTimeoutSeconds: numberSettings.inactivityTimeoutSeconds,
            dispositionRequired: numberSettings.dispositionRequired
        )
        let now = Date()
        let interaction = NewInteraction(
            id: UUID(), settings: interactionSettings, media: "sms", channel: channel, from: customer, to: organisation,
            origin: InteractionMode.session.outboundOrigin, createdAt: now
        )
        guard
            try await store.createOwned(interaction, ownerID: identity.agentID, ownerName: identity.name, on: connection, logger: logger)
        else {
            let open = try await store.openInteraction(organisation: organisation, customer: customer, on: connection, logger: logger)
            throw try await interactionOpen(open, for: identity, on: connection)
        }
        let record = InteractionRecord(
            id: interaction.id, state: .active, mode: .session, channel: channel, from: customer, to: organisation,
            ownerID: identity.agentID, ownerName: identity.name, disposition: nil,
            dispositionRequired: interactionSettings.dispositionRequired, caseData: [:],
            inactivityTimeoutSeconds: interactionSettings.inactivityTimeoutSeconds
        )
        let view = interaction.view(state: .active, owner: PartyView(id: identity.agentID, name: identity.name))
        var events = [
            try event(
                .interactionAssigned, record.id, traceparent,
                InteractionAssigned(
                    interactionId: record.idString, agentId: identity.agentID, agentName: identity.name, previousOwnerId: nil,
                    reason: "outbound", transferId: nil, at: now, interaction: view
                )),
            try event(
                .interactionCreated, record.id, traceparent,
                InteractionCreated(
                    interactionId: record.idString, mode: InteractionMode.session.rawValue, media: interaction.media, from: customer,
                    to: organisation, queue: interactionSettings.queue, origin: interaction.origin, createdAt: now, interaction: view
                )),
        ]
        events += try await send(draft.message, in: record, by: identity, at: now, traceparent: traceparent, on: connection).events
        try await outbox.enqueue(events, on: connection, logger: logger)
        Counter(
            label: "switchboard_session_outbound_interactions_total", dimensions: [("encoding", draft.message.segmentation.encoding.rawValue)]
        ).increment()
        return interaction.id
    }

    /// 409 `interaction_open`, with the open interaction's id only for a caller who may read
    /// it (its owner or a past owner, a supervisor, an admin): the refusal cannot hide that
    /// the conversation is busy, but it names no interaction the caller could not see
    /// anyway (docs/architecture.md section 3, "who sees what").
    private func interactionOpen(
        _ open: (id: UUID, ownerID: String?)?, for identity: Identity, on connection: PostgresConnection
    ) async throws -> SessionError {
        guard let open else { return .interactionOpen(nil) }
        let participants = try await store.participants(open.id, on: connection, logger: logger)
        return .interactionOpen(access.read(identity, ownerID: open.ownerID, participants: participants) == .allowed ? open.id : nil)
    }
}
