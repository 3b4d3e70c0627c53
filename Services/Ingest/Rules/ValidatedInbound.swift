import Foundation
import SwitchboardModels

/// An inbound message that passed validation, numbers in E.164.
struct ValidatedInbound: Sendable, Equatable {
    struct Media: Codable, Sendable, Equatable {
        var index: Int
        var url: String?
        var data: String?
        var contentType: String?
        var filename: String?
    }

    var channel: String
    var carrierMessageID: String
    var from: String
    var to: String
    var text: String
    var media: [Media]
    var receivedAt: Date
    /// One part of a concatenated SMS (`total` at least 2), reassembled before it is emitted.
    var part: InboundMessage.Part? = nil
}
