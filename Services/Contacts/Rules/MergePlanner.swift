import Foundation

/// What a merge changes and what its undo restores (issue #5), as pure functions of the
/// contacts' snapshots, so the rules are unit-tested without a database.
///
/// **Merge** (source into target): the target keeps its id, names and attributes, and
/// gains the source's phones and emails (after its own, in the source's order), the
/// attributes whose keys it lacks (on a key both have, the target's value wins), and the
/// source's interaction history. The source is marked `merged` into the target; its
/// names and attributes stay on it (and in the audit record) so that an undo can bring
/// it back; its phones and emails are now the target's.
///
/// **Undo** restores both contacts exactly as the audit record saw them before the merge
/// (names, phones and emails in their order, attributes, timestamps) and moves the
/// source's interactions back, unless something changed since that makes it unsafe:
/// - the merge was already undone (`merge_undone`);
/// - a phone or email that moved to the target is no longer the target's (`phone_moved`,
///   `email_moved`);
/// - the target was changed, deleted or merged since (`target_changed`);
/// - the source is no longer the merged contact the merge left (`source_changed`);
/// - an interaction that moved was since assigned to another contact (`history_changed`).
struct MergePlanner: Sendable {
    struct Plan: Sendable, Equatable {
        var target: ContactSnapshot
        var source: ContactSnapshot
        var movedPhones: [String]
        var movedEmails: [String]
        /// Attributes the target gained.
        var addedAttributes: [String: String]
        /// Keys both had: the target's value was kept, the source's is only in the audit.
        var keptAttributeKeys: [String]
        var movedInteractions: [UUID]

        func audit(id: UUID, targetBefore: ContactSnapshot, sourceBefore: ContactSnapshot, by agent: String, at: Date) -> MergeAudit {
            MergeAudit(
                id: id, targetBefore: targetBefore, sourceBefore: sourceBefore, targetAfter: target, sourceAfter: source,
                movedInteractions: movedInteractions, mergedBy: agent, at: at, undoneAt: nil, undoneBy: nil
            )
        }
    }

    enum MergeRefusal: Error, Equatable, Sendable {
        case sameContact
        case targetNotActive(ContactSnapshot.State)
        case sourceNotActive(ContactSnapshot.State)
    }

    struct UndoPlan: Sendable, Equatable {
        /// Both contacts as before the merge (their versions moved on).
        var target: ContactSnapshot
        var source: ContactSnapshot
        /// Interactions going back from the target's history to the source's.
        var interactionsBack: [UUID]
    }

    enum UndoRefusal: Error, Equatable, Sendable {
        case alreadyUndone(Date)
        case phoneMoved(String)
        case emailMoved(String)
        case targetChanged
        case sourceChanged
        case historyChanged(UUID)
    }

    func merge(target: ContactSnapshot, source: ContactSnapshot, sourceInteractions: [UUID], at: Date) throws(MergeRefusal) -> Plan {
        guard target.id != source.id else { throw .sameContact }
        guard target.state == .active else { throw .targetNotActive(target.state) }
        guard source.state == .active else { throw .sourceNotActive(source.state) }

        let movedPhones = source.phones.filter { !target.phones.contains($0) }
        let movedEmails = source.emails.filter { !target.emails.contains($0) }
        var added: [String: String] = [:]
        var kept: [String] = []
        for (key, value) in source.attributes {
            if target.attributes[key] == nil { added[key] = value } else { kept.append(key) }
        }

        var merged = target
        merged.phones = target.phones + movedPhones
        merged.emails = target.emails + movedEmails
        merged.attributes = target.attributes.merging(added) { current, _ in current }
        merged.version = target.version + 1
        merged.updatedAt = at

        var gone = source
        gone.state = .merged
        gone.mergedInto = target.id
        gone.phones = []
        gone.emails = []
        gone.version = source.version + 1
        gone.updatedAt = at

        return Plan(
            target: merged, source: gone, movedPhones: movedPhones, movedEmails: movedEmails, addedAttributes: added,
            keptAttributeKeys: kept.sorted(), movedInteractions: sourceInteractions
        )
    }

    /// - Parameters:
    ///   - target, source: the contacts as they are now (nil if gone).
    ///   - phoneOwners, emailOwners: the current owner of each phone and email the source
    ///     had before the merge (absent: nobody's).
    ///   - interactionOwners: the current contact of each interaction the merge moved
    ///     (absent or nil: none).
    func undo(
        _ audit: MergeAudit, target: ContactSnapshot?, source: ContactSnapshot?, phoneOwners: [String: UUID],
        emailOwners: [String: UUID], interactionOwners: [UUID: UUID], at: Date
    ) throws(UndoRefusal) -> UndoPlan {
        if let undone = audit.undoneAt { throw .alreadyUndone(undone) }
        for phone in audit.sourceBefore.phones where phoneOwners[phone] != audit.targetID { throw .phoneMoved(phone) }
        for email in audit.sourceBefore.emails where emailOwners[email] != audit.targetID { throw .emailMoved(email) }
        guard let target, target.state == .active, target.version == audit.targetAfter.version else { throw .targetChanged }
        guard let source, source.state == .merged, source.mergedInto == audit.targetID, source.version == audit.sourceAfter.version
        else { throw .sourceChanged }
        for interaction in audit.movedInteractions where interactionOwners[interaction] != audit.targetID {
            throw .historyChanged(interaction)
        }

        var restoredTarget = audit.targetBefore
        restoredTarget.version = target.version + 1
        var restoredSource = audit.sourceBefore
        restoredSource.version = source.version + 1
        return UndoPlan(target: restoredTarget, source: restoredSource, interactionsBack: audit.movedInteractions)
    }
}
