import Foundation

/// What callback reads of transfer's `offer.accepted` (docs/architecture.md section 10.3):
/// the offer's kind, its agent, and for a `callback` offer the callback as offered — its
/// id, and the target and due time of the firing, which tell a late event from an earlier
/// firing or target apart from the current one. Every other field of the offer is left to
/// whoever shows it.
struct CallbackOfferAccepted: Codable, Sendable, Equatable {
    struct Callback: Codable, Sendable, Equatable {
        struct Target: Codable, Sendable, Equatable {
            var type: String
            var id: String
        }

        var id: String
        var target: Target
        var dueAt: Date
    }

    var kind: String
    var agentId: String
    var callback: Callback?
}
