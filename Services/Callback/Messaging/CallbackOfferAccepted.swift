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

        /// Whether this is an offer of `record`'s current firing: the callback is `due`, with
        /// the target and due time it was offered with. The event's time is written to the
        /// millisecond (from the row's microseconds), so 2 ms apart is still the same firing;
        /// two firings are seconds apart.
        func isOffer(of record: CallbackRecord) -> Bool {
            record.state == .due && target.type == record.target.type.rawValue && target.id == record.target.id
                && abs(dueAt.timeIntervalSince(record.dueAt)) < 0.002
        }
    }

    var kind: String
    var agentId: String
    var callback: Callback?
}
