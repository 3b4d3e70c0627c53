import SwitchboardDatabase

/// What one of transfer's events asks for, decoded before its transaction
/// (``TransferEventHandler/effect(for:)``): most are a change of their own; an inbound
/// message is kept as data, so that a batch applies a run of them together
/// (``TransferEffectRun``).
enum TransferEffect: Sendable {
    case change(MessageEffect)
    case inboundMessage(InboundMessageAppended)
}
