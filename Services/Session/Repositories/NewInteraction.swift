import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// A new interaction to store.
struct NewInteraction: Sendable, Equatable {
    var id: UUID
    var settings: NumberSettings
    var media: String
    var channel: String
    var from: String
    var to: String
    var origin: String
    var createdAt: Date

    /// The interaction as the API will show it once created (in `state`, with `owner` for
    /// one an agent opened), without its transcript: what its first events carry, built
    /// from what is written rather than read back.
    func view(state: InteractionState, owner: PartyView?) -> InteractionView {
        InteractionView(
            id: id.uuidString.lowercased(), state: state.rawValue, mode: settings.mode.rawValue, media: media, channel: channel, from: from,
            to: to, queue: settings.queue, origin: origin, contact: nil, owner: owner, createdAt: StoredTime.postgres(createdAt),
            closedAt: nil, closeReason: nil, elapsedSeconds: 0, disposition: nil, note: nil, caseData: [:]
        )
    }
}
