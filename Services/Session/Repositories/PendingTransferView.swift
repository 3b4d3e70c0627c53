import Foundation
import SwitchboardModels

/// The transfer in progress on an interaction (docs/architecture.md section 10.3): `{"id",
/// "target": {"type", "id", "name"}, "from_agent": {"id", "name"}, "state", "expires_at"}`,
/// from session's projection of transfer's `transfer.*` and `offer.*` events. Every key is
/// present, `null` when the events did not carry it.
struct PendingTransferView: Codable, Sendable, Equatable {
    var id: String
    var target: Target
    var fromAgent: PartyView
    /// `pending`: an interaction shows no other.
    var state: String
    /// When the target's offer expires (the transfer's offer in `offer.created`).
    @ExplicitNull var expiresAt: Date?

    /// `{"type": "agent" | "queue" | "routing_point", "id", "name"}`; `name` is null while
    /// transfer's events do not carry it.
    struct Target: Codable, Sendable, Equatable {
        var type: String
        var id: String
        @ExplicitNull var name: String?
    }

    /// Whether it is still in progress on `interaction`: open, and still owned by the agent
    /// who asked for it. The assignment an accepted transfer causes (`session.commands`) can
    /// be applied before `transfer.accepted` (`session.events`) arrives; the interaction then
    /// no longer shows a transfer that is over.
    func isInProgress(on interaction: InteractionView) -> Bool {
        interaction.state != InteractionState.closed.rawValue && interaction.owner?.id == fromAgent.id
    }
}
