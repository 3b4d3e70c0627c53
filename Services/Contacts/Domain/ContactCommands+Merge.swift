import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// What a merge or its undo leaves: the audit record and the contacts as they now are.
struct MergeOutcome: Sendable {
    var audit: MergeAudit
    var target: ContactSnapshot
    /// After an undo: the restored source.
    var source: ContactSnapshot?
}

/// Merges and their undo (the rules are ``MergePlanner``'s).
extension ContactCommands {
    /// Merges `sourceID` into `targetID`; emits `contact.merged` (with the target's name,
    /// which session shows on the source's interactions from then on) and
    /// `contact.identified` with the target for each interaction that moved.
    func merge(
        into targetID: UUID, source sourceID: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> MergeOutcome {
        guard targetID != sourceID else { throw ContactError.mergeRefused(.sameContact) }
        let locked = try await contacts.lock([targetID, sourceID], on: connection, logger: logger)
        guard let target = locked[targetID] else { throw ContactError.notFound }
        guard let source = locked[sourceID] else { throw ContactError.invalid("source_id is not a known contact") }
        let moved = try await history.interactions(of: sourceID, on: connection, logger: logger)
        let now = ContactTime.now()
        let plan: MergePlanner.Plan
        do { plan = try planner.merge(target: target, source: source, sourceInteractions: moved, at: now) } catch {
            throw ContactError.mergeRefused(error)
        }
        try await contacts.save([plan.source, plan.target], on: connection, logger: logger)
        try await history.link(plan.movedInteractions, to: targetID, how: nil, on: connection, logger: logger)
        let audit = plan.audit(id: UUID(), targetBefore: target, sourceBefore: source, by: identity.agentID, at: now)
        try await contacts.insertMerge(audit, on: connection, logger: logger)
        let event = try OutboxMessage.event(
            .contactMerged, service: "contacts", subject: nil, traceparent: traceparent,
            data: ContactMerged(
                id: audit.idString, targetId: target.idString, sourceId: source.idString, targetName: plan.target.displayName, at: now
            ),
            correlationID: target.idString
        )
        // Also `contact.identified` per moved interaction: it travels in the interaction's own
        // order (correlated by interaction), so it lands after an earlier identification with
        // the source that `contact.merged` (correlated by contact) could overtake in session.
        let identified = try plan.movedInteractions.map { try linked(.contactIdentified, $0, plan.target, traceparent) }
        try await outbox.enqueue([event] + identified, on: connection, logger: logger)
        logger.info(
            "contacts merged",
            metadata: [
                "merge_id": "\(audit.idString)", "contact_id": "\(target.idString)", "source_id": "\(source.idString)",
                "agent_id": "\(identity.agentID)", "interactions": "\(moved.count)",
            ])
        return MergeOutcome(audit: audit, target: plan.target, source: nil)
    }

    /// Restores both contacts as they were before merge `id`; emits `contact.unmerged`, and
    /// `contact.identified` for each interaction that goes back to the source (so session
    /// shows the source on them again).
    func undo(merge id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> MergeOutcome {
        guard var audit = try await contacts.lockMerge(id, on: connection, logger: logger) else { throw ContactError.mergeNotFound }
        let locked = try await contacts.lock([audit.targetID, audit.sourceID], on: connection, logger: logger)
        let phones = try await contacts.phoneOwners(audit.sourceBefore.phones, on: connection, logger: logger)
        let emails = try await contacts.emailOwners(audit.sourceBefore.emails, on: connection, logger: logger)
        let owners = try await history.contacts(of: audit.movedInteractions, on: connection, logger: logger)
        let now = ContactTime.now()
        let plan: MergePlanner.UndoPlan
        do {
            plan = try planner.undo(
                audit, target: locked[audit.targetID], source: locked[audit.sourceID], phoneOwners: phones, emailOwners: emails,
                interactionOwners: owners, at: now
            )
        } catch {
            throw ContactError.undoRefused(error)
        }
        try await contacts.save([plan.target, plan.source], on: connection, logger: logger)
        try await history.link(plan.interactionsBack, to: audit.sourceID, how: nil, on: connection, logger: logger)
        try await contacts.markUndone(id, at: now, by: identity.agentID, on: connection, logger: logger)
        audit.undoneAt = now
        audit.undoneBy = identity.agentID

        var events = [
            try OutboxMessage.event(
                .contactUnmerged, service: "contacts", subject: nil, traceparent: traceparent,
                data: ContactUnmerged(
                    id: audit.idString, targetId: audit.targetID.uuidString.lowercased(), sourceId: audit.sourceID.uuidString.lowercased(),
                    at: now
                ),
                correlationID: audit.targetID.uuidString.lowercased()
            )
        ]
        events += try plan.interactionsBack.map { try linked(.contactIdentified, $0, plan.source, traceparent) }
        try await outbox.enqueue(events, on: connection, logger: logger)
        logger.info(
            "merge undone",
            metadata: [
                "merge_id": "\(audit.idString)", "contact_id": "\(audit.targetID.uuidString.lowercased())",
                "source_id": "\(audit.sourceID.uuidString.lowercased())", "agent_id": "\(identity.agentID)",
            ])
        return MergeOutcome(audit: audit, target: plan.target, source: plan.source)
    }
}
