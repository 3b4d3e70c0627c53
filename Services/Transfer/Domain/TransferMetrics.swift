import Metrics

/// The service's own metrics (docs/architecture.md section 6: no ids as labels). Counted inside the
/// transaction's code path, so a rolled-back attempt may count once more than it happened;
/// they are rates for dashboards, not a ledger.
///
/// This file imports `Metrics` only: with Foundation in scope too, `Timer` would be ambiguous.
enum TransferMetrics {
    static func offered(kind: OfferKind) {
        Counter(label: "switchboard_transfer_offers_total", dimensions: [("kind", kind.rawValue)]).increment()
    }

    static func answered(kind: OfferKind, outcome: OfferState) {
        Counter(label: "switchboard_transfer_offer_outcomes_total", dimensions: [("kind", kind.rawValue), ("outcome", outcome.rawValue)]).increment()
    }

    static func transferred(target: TargetType) {
        Counter(label: "switchboard_transfer_transfers_total", dimensions: [("target", target.rawValue)]).increment()
    }
}
