import Foundation

/// Which deliveries of a batch take the set-based path (``InboundBatchHandler``): the
/// plain SMS of conversations that have nothing else in the batch. A conversation with
/// anything else in it (an MMS, another event, a delivery without a message id) is handled
/// message by message, all of it, so its order never depends on which path a message took.
struct InboundBatchSplit: Equatable, Sendable {
    /// Positions of the deliveries for the set-based path, in batch order.
    var plain: [Int]
    /// Positions of the others, in batch order.
    var others: [Int]

    /// - Parameter deliveries: per delivery, its conversation (ordering key; nil: none) and
    ///   whether it is a plain SMS.
    init(_ deliveries: [(conversation: String?, isPlainSMS: Bool)]) {
        var mixed = Set<String>()
        for delivery in deliveries where !delivery.isPlainSMS {
            if let conversation = delivery.conversation { mixed.insert(conversation) }
        }
        plain = []
        others = []
        for (position, delivery) in deliveries.enumerated() {
            if delivery.isPlainSMS, let conversation = delivery.conversation, !mixed.contains(conversation) {
                plain.append(position)
            } else {
                others.append(position)
            }
        }
    }
}
