/// The messaging contract of docs/architecture.md section 2: every Switchboard service declares all
/// of it at start-up, so that whichever service starts first, no message published by
/// another is ever unroutable. `deploy/rabbitmq/definitions.json` lists the same (a test
/// keeps the two equal).
public enum SwitchboardTopology {
    public static let inboundExchange = "switchboard.inbound"
    public static let eventsExchange = "switchboard.events"
    public static let commandsExchange = "switchboard.commands"
    public static let outboundExchange = "switchboard.outbound"
    /// The alternate exchange of ``outboundExchange``: a reply no queue is bound for (no
    /// sender for its channel) goes here, into `outbound.unrouted`, instead of being dropped.
    public static let outboundUnroutedExchange = "switchboard.outbound.unrouted"
    public static let deadLetterExchange = "switchboard.dead"

    /// Inbound messages reach `session` through this consistent-hash exchange, hashed on
    /// `correlation_id` (the conversation key), into `SWITCHBOARD_SESSION_PARTITIONS`
    /// (``defaultSessionPartitions``) quorum queues with a single active consumer each: one
    /// conversation's messages are handled in order however many `session` replicas run
    /// (docs/architecture.md section 6). More partitions let more replicas work at once.
    public static let sessionPartitionExchange = "session.partitions"
    public static let defaultSessionPartitions = 4
    /// The most partitions there may be: a session that starts with fewer unbinds those
    /// above its count, up to this one (section 6: changing the count).
    public static let maxSessionPartitions = 64

    /// Queue → (exchange, routing keys) it is bound with.
    public static let serviceQueues: [(queue: QueueName, exchange: String, keys: [String])] = [
        (.ingestMessages, inboundExchange, ["message"]),
        (.ingestReceipts, inboundExchange, ["receipt"]),
        // Transfer's offer and transfer events too: the interaction shows `offered` and the
        // transfer in progress (docs/architecture.md section 10.3); one of each per offer or
        // transfer, not per message.
        (
            .sessionEvents, eventsExchange,
            [
                "message.status", "contact.identified", "contact.assigned",
                "contact.merged", "media.stored", "media.failed", "consent.changed", "callback.scheduled",
                "offer.created", "offer.accepted", "offer.rejected", "offer.expired",
                "transfer.requested", "transfer.accepted", "transfer.rejected", "transfer.expired", "transfer.completed",
            ]
        ),
        (.sessionCommands, commandsExchange, ["session.interaction.assign"]),
        // Transfer routes on the lifecycle events and due callbacks, and feeds desktops
        // (docs/architecture.md section 10.2) from all of them: a quorum-queue write per message appended is the
        // price of a transcript that reaches the agent's screen without polling.
        (
            .transferEvents, eventsExchange,
            [
                "interaction.created", "interaction.assigned", "interaction.closed", "interaction.updated",
                "interaction.message.appended", "interaction.message.updated",
                "interaction.consultation.started", "interaction.consultation.message", "interaction.consultation.ended",
                "callback.due", "callback.completed", "callback.cancelled", "callback.rescheduled",
                "contact.identified", "contact.assigned",
            ]
        ),
        // Only what contacts acts on: every copy of a per-message event (`message.received`,
        // `interaction.message.appended`) would cost a quorum-queue write per inbound SMS.
        (
            .contactsEvents, eventsExchange,
            [
                "interaction.created", "interaction.assigned", "interaction.closed", "interaction.updated", "consent.keyword",
            ]
        ),
        (.callbackEvents, eventsExchange, ["interaction.assigned", "interaction.closed", "contact.merged", "contact.unmerged", "offer.accepted"]),
        (.mediaCommands, commandsExchange, ["media.fetch", "media.message.placed"]),
        (.mediaEvents, eventsExchange, ["interaction.assigned"]),
        // Bound per sending channel at run time (`sms.<channel>`), by ingest.
        (.ingestOutbound, outboundExchange, []),
    ]

    /// Arguments every service queue carries: quorum, dead-lettered to `switchboard.dead`
    /// after `deliveryLimit` failed deliveries, so a poison message is never looped forever.
    public static func serviceQueueArguments(deliveryLimit: Int) -> [String: AMQPHeaderValue] {
        [
            "x-queue-type": .string("quorum"),
            "x-dead-letter-exchange": .string(deadLetterExchange),
            "x-delivery-limit": .int(Int64(deliveryLimit)),
        ]
    }

    /// The whole topology, with `sessionPartitions` partition queues. `removesSurplusPartitions`
    /// (session's own connections): partitions from `sessionPartitions` up to
    /// ``maxSessionPartitions`` that exist are unbound from the partition exchange, so a
    /// lower count takes effect (their queues stay, empty, for an operator to delete).
    public static func topology(
        deliveryLimit: Int = 5, sessionPartitions: Int = defaultSessionPartitions, removesSurplusPartitions: Bool = false
    ) -> AMQPTopology {
        let exchanges: [AMQPTopology.Exchange] = [
            .init(name: inboundExchange, kind: .direct),
            .init(name: eventsExchange, kind: .topic),
            .init(name: commandsExchange, kind: .direct),
            // An earlier version declared it without its alternate exchange: replaced once.
            .init(
                name: outboundExchange, kind: .topic, arguments: ["alternate-exchange": .string(outboundUnroutedExchange)],
                replacesEarlierDeclaration: true
            ),
            .init(name: outboundUnroutedExchange, kind: .fanout),
            .init(name: deadLetterExchange, kind: .topic),
            .init(name: sessionPartitionExchange, kind: .consistentHash, arguments: ["hash-property": .string("correlation_id")]),
        ]
        var queues = [
            AMQPTopology.Queue(name: QueueName.deadLetters.rawValue, arguments: ["x-queue-type": .string("quorum")]),
            AMQPTopology.Queue(name: QueueName.outboundUnrouted.rawValue, arguments: ["x-queue-type": .string("quorum")]),
        ]
        var bindings = [
            AMQPTopology.Binding(queue: QueueName.deadLetters.rawValue, exchange: deadLetterExchange, routingKey: "#"),
            AMQPTopology.Binding(queue: QueueName.outboundUnrouted.rawValue, exchange: outboundUnroutedExchange, routingKey: ""),
        ]
        for entry in serviceQueues {
            var arguments = serviceQueueArguments(deliveryLimit: deliveryLimit)
            // One conversation's messages in the order they were published, however many
            // ingest replicas run: other systems publish here, and nothing in a message tells
            // the broker its conversation, so it cannot be partitioned like session's
            // inbound. One replica consumes, the others stand by (and still serve webhooks,
            // receipts and sending). A queue an earlier version declared without it is used
            // as it is (section 6: how to recreate it).
            let singleActive = entry.queue == .ingestMessages
            if singleActive { arguments["x-single-active-consumer"] = .bool(true) }
            queues.append(.init(name: entry.queue.rawValue, arguments: arguments, keepsEarlierDeclaration: singleActive))
            bindings += entry.keys.map { .init(queue: entry.queue.rawValue, exchange: entry.exchange, routingKey: $0) }
        }
        for partition in 0..<sessionPartitions {
            var arguments = serviceQueueArguments(deliveryLimit: deliveryLimit)
            arguments["x-single-active-consumer"] = .bool(true)
            queues.append(.init(name: QueueName.sessionInbound(partition).rawValue, arguments: arguments))
            // For a consistent-hash exchange the binding key is the partition's weight.
            bindings.append(.init(queue: QueueName.sessionInbound(partition).rawValue, exchange: sessionPartitionExchange, routingKey: "1"))
        }
        let surplus =
            removesSurplusPartitions
            ? (sessionPartitions..<max(sessionPartitions, maxSessionPartitions)).map {
                AMQPTopology.Binding(queue: QueueName.sessionInbound($0).rawValue, exchange: sessionPartitionExchange, routingKey: "1")
            } : []
        return AMQPTopology(
            exchanges: exchanges, queues: queues, bindings: bindings,
            exchangeBindings: [.init(destination: sessionPartitionExchange, source: eventsExchange, routingKey: "message.received")],
            // Until the partitions, session.events received message.received directly: a
            // broker upgraded from then would deliver each inbound message twice. Contacts
            // was bound to every inbound message and every interaction event, unused.
            obsoleteBindings: surplus + [
                .init(queue: "session.events", exchange: eventsExchange, routingKey: "message.received"),
                .init(queue: "contacts.events", exchange: eventsExchange, routingKey: "message.received"),
                .init(queue: "contacts.events", exchange: eventsExchange, routingKey: "interaction.#"),
                // Media learned an MMS's interaction from every inbound message's event; now
                // session sends it `media.message.placed` for MMS only.
                .init(queue: "media.events", exchange: eventsExchange, routingKey: "interaction.message.appended"),
            ]
        )
    }
}
