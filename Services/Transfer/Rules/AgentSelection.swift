import Foundation

/// Which agent gets an offer (docs/architecture.md section 4 "Routing", issue #4).
///
/// An agent is **eligible** for an interaction waiting in queue `q` when all of these hold:
/// - it is a member of `q`;
/// - its SMS presence is `ready`;
/// - it has spare capacity: `capacity - reserved > 0`, where `reserved` counts the
///   interactions it owns (load, from `interaction.assigned` / `interaction.closed`), its
///   pending offers, and the offers it accepted whose `interaction.assigned` has not
///   arrived yet (so an agent is never offered more than its capacity while a command is
///   in flight);
/// - it has not declined this interaction (rejected an offer of it, let one expire, or
///   released it to a queue).
///
/// Among the eligible, the one **idle longest** wins: its *idle since* is the latest of
/// - when it became Ready on the channel (`ready_since`),
/// - when it was last given an interaction (`last_assigned_at`: an `interaction.assigned`
///   naming it),
/// - when an interaction of its last ended (`last_assignment_ended_at`: closed, or moved
///   to another owner, or released to a queue);
///
/// and the earliest *idle since* is the longest idle. Ties (equal times) go to the smaller
/// agent id, so the choice is deterministic.
struct AgentSelection: Sendable {
    struct Candidate: Sendable, Equatable {
        var id: String
        var queues: [String]
        var ready: Bool
        var capacity: Int
        /// Owned interactions + pending offers + accepted offers awaiting assignment.
        var reserved: Int
        var readySince: Date?
        var lastAssignedAt: Date?
        var lastAssignmentEndedAt: Date?

        var spare: Int { max(0, capacity - reserved) }

        /// See the type's documentation; `distantPast` when nothing is known.
        var idleSince: Date {
            [readySince, lastAssignedAt, lastAssignmentEndedAt].compactMap { $0 }.max() ?? .distantPast
        }
    }

    func isEligible(_ candidate: Candidate, queue: String, declined: Set<String>) -> Bool {
        candidate.ready && candidate.queues.contains(queue) && candidate.spare > 0 && !declined.contains(candidate.id)
    }

    /// Who gets a due callback's offer: its target agent, or the longest-idle eligible member
    /// of its target queue; either way Ready, with spare capacity, and not one who declined
    /// this firing. Nil when nobody is (the callback waits).
    func pick(forCallbackTo target: CallbackSummary.Target, from candidates: [Candidate], declined: Set<String>) -> Candidate? {
        if target.type == "queue" { return pick(from: candidates, queue: target.id, declined: declined) }
        return candidates.first { $0.id == target.id && $0.ready && $0.spare > 0 && !declined.contains($0.id) }
    }

    /// The agent to offer to, or nil when nobody is eligible (the interaction waits).
    func pick(from candidates: [Candidate], queue: String, declined: Set<String>) -> Candidate? {
        candidates
            .filter { isEligible($0, queue: queue, declined: declined) }
            .min { Self.longerIdle($0, $1) }
    }

    /// The eligible agents, longest idle first.
    func ranked(_ candidates: [Candidate], queue: String, declined: Set<String>) -> [Candidate] {
        candidates.filter { isEligible($0, queue: queue, declined: declined) }.sorted(by: Self.longerIdle)
    }

    /// True when `a` comes before `b`: idle since earlier, or as long and a smaller id.
    static func longerIdle(_ a: Candidate, _ b: Candidate) -> Bool {
        let (x, y) = (a.idleSince, b.idleSince)
        return x != y ? x < y : a.id < b.id
    }
}
