import Foundation
import SwitchboardModels

/// Where an interaction is, as far as routing is concerned (the projection of session's
/// events plus routing's own progress):
/// `queued` (waiting for an agent) → `offered` (one pending route offer) → `assigning`
/// (accepted; the `interaction.assign` command is on its way) → `active` (owned, from
/// `interaction.assigned`) → `closed`. A transfer to a queue takes `active` back to
/// `queued` (the owner in session stays the source until someone accepts).
enum ProjectionState: String, Sendable, Codable, Equatable, CaseIterable {
    case queued, offered, assigning, active, closed
}
