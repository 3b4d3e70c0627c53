import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Transfer's offers and transfers, as the interaction shows them (docs/architecture.md
/// section 10.3): the `offered` state and the transfer in progress.
extension InteractionCommands {
    /// `offer.*`: records the offer (``PostgresInteractionStore/recordOffer(_:on:logger:)``),
    /// then moves the interaction between `queued` and `offered` by what is live now
    /// (``InteractionState/afterOfferChange(liveOffer:)``). The interaction's row lock is
    /// taken first, as every change to it does, so two offer events of one interaction
    /// (replicas, a redelivery) are applied one after the other and the second sees the first.
    func offerChanged(_ offer: ProjectedOffer, on connection: PostgresConnection) async throws {
        let record = try await store.lock(offer.interactionID, on: connection, logger: logger)
        try await store.recordOffer(offer, on: connection, logger: logger)
        // An interaction session does not hold: the offer is kept, there is no state to set.
        guard let record else { return }
        let live = try await store.hasLiveOffer(offer.interactionID, on: connection, logger: logger)
        guard let next = record.state.afterOfferChange(liveOffer: live) else { return }
        try await store.setOfferState(record.id, next, on: connection, logger: logger)
        logger.debug(
            "interaction \(next.rawValue) by an offer",
            metadata: ["interaction_id": "\(record.idString)", "offer_id": "\(offer.id.uuidString.lowercased())", "offer_state": "\(offer.state)"])
    }

    /// `transfer.*`: records the transfer; the interaction shows it while it is pending
    /// (``PendingTransferView/isInProgress(on:)``). Its state is the owner's business, moved
    /// by the assignment an accepted transfer causes, never by these events.
    func transferChanged(_ transfer: ProjectedTransfer, on connection: PostgresConnection) async throws {
        try await store.recordTransfer(transfer, on: connection, logger: logger)
    }
}
