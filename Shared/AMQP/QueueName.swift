/// The name of a Switchboard queue: every queue the topology declares and a consumer reads
/// is one of these constants, so a consumer cannot name a queue the topology does not
/// declare (``SwitchboardTopology``), and a consumer's inbox records carry the same name.
public struct QueueName: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    private init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static let ingestMessages = QueueName("ingest.messages")
    public static let ingestReceipts = QueueName("ingest.receipts")
    public static let sessionEvents = QueueName("session.events")
    public static let sessionCommands = QueueName("session.commands")
    public static let transferEvents = QueueName("transfer.events")
    public static let contactsEvents = QueueName("contacts.events")
    public static let callbackEvents = QueueName("callback.events")
    public static let mediaCommands = QueueName("media.commands")
    public static let mediaEvents = QueueName("media.events")
    /// The replies ingest sends itself: bound to `switchboard.outbound` with `sms.<channel>`
    /// for each channel whose carrier it speaks and whose sending is enabled (bindings kept in
    /// step with the channel table, docs/decisions.md "Outbound routing").
    public static let ingestOutbound = QueueName("ingest.outbound")
    /// Replies no queue was bound for (no sender for their channel), through the outbound
    /// exchange's alternate exchange: kept for an operator, never dropped.
    public static let outboundUnrouted = QueueName("outbound.unrouted")
    /// Where an earlier version kept every reply for connectors; ingest moves what is left
    /// in it back through `switchboard.outbound` and deletes it.
    public static let legacyOutboundSMS = QueueName("outbound.sms")
    public static let deadLetters = QueueName("switchboard.dead-letters")

    /// The `partition`th of session's inbound partitions (`SWITCHBOARD_SESSION_PARTITIONS`).
    public static func sessionInbound(_ partition: Int) -> QueueName { QueueName("session.inbound.\(partition)") }
}
