import SwitchboardServiceKit

/// Who may see a media item (issue #7, docs/architecture.md section 4): a supervisor or admin, or an
/// agent who owns or owned its interaction (every agent `interaction.assigned` ever named
/// for it). Anyone else, and everyone while the item's interaction is not yet known, gets
/// 404 (its existence is not revealed). Saving (`?download=1`) needs perm `media.save`
/// on top of the right to see it (403 without).
struct MediaAccess: Sendable {
    static let savePermission = "media.save"

    enum Decision: Equatable, Sendable {
        case allowed
        case notVisible
        case forbidden
    }

    func read(_ identity: Identity, isParticipant: Bool) -> Decision {
        if identity.canReadEverything { return .allowed }
        guard identity.has(.agent), isParticipant else { return .notVisible }
        return .allowed
    }

    func save(_ identity: Identity, isParticipant: Bool) -> Decision {
        let visibility = read(identity, isParticipant: isParticipant)
        guard visibility == .allowed else { return visibility }
        return identity.permissions.contains(Self.savePermission) ? .allowed : .forbidden
    }
}
