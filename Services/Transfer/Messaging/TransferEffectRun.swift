import SwitchboardDatabase

/// A batch's effects as they are applied: each change on its own, and each run of
/// consecutive inbound messages together (one statement for their previews, one desk feed
/// append; issue #17). Only consecutive ones: an effect between two inbound messages (an
/// assignment, a consultation) changes who is shown the later one, so the order stays that
/// of the deliveries.
enum TransferEffectRun: Sendable {
    case change(MessageEffect)
    case inboundMessages([InboundMessageAppended])

    /// `effects` in order, with consecutive inbound messages gathered into one run.
    static func runs(of effects: [TransferEffect]) -> [TransferEffectRun] {
        var runs: [TransferEffectRun] = []
        var messages: [InboundMessageAppended] = []
        for effect in effects {
            switch effect {
            case .change(let change):
                if !messages.isEmpty { runs.append(.inboundMessages(messages)) }
                messages = []
                runs.append(.change(change))
            case .inboundMessage(let message):
                messages.append(message)
            }
        }
        if !messages.isEmpty { runs.append(.inboundMessages(messages)) }
        return runs
    }
}
