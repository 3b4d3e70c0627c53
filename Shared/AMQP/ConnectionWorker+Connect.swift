import CRabbitMQ
import Foundation
import Logging
import NIOConcurrencyHelpers

extension ConnectionWorker {
    /// Opens the socket, logs in, declares the topology, opens the confirm-mode publish
    /// channel and re-attaches every consumer.
    func connect() throws(AMQPError) {
        guard let newState = amqp_new_connection() else { throw .connectionFailed("out of memory") }
        guard let socket = amqp_tcp_socket_new(newState) else {
            amqp_destroy_connection(newState)
            throw .connectionFailed("cannot create socket")
        }
        var timeout = sb_seconds(5)
        let endpoint = configuration.endpoints[endpointIndex]
        let openStatus = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
        guard openStatus == AMQP_STATUS_OK.rawValue else {
            amqp_destroy_connection(newState)
            throw .connectionFailed("cannot reach \(endpoint): \(Self.statusText(openStatus))")
        }
        state = newState
        openSocket.withLockedValue { $0 = amqp_get_sockfd(newState) }
        var rpcTimeout = sb_seconds(15)
        _ = amqp_set_rpc_timeout(newState, &rpcTimeout)

        let arena = CArena()
        var clientProperties = arena.table([
            "connection_name": .string(configuration.connectionName),
            "product": .string("switchboard"),
            "capabilities": .table([
                "consumer_cancel_notify": .bool(true),
                "publisher_confirms": .bool(true),
                "basic.nack": .bool(true),
            ]),
        ])
        let login = sb_amqp_login_plain(
            newState, configuration.virtualHost, 0, 131_072, Int32(configuration.heartbeatSeconds),
            configuration.user, configuration.password, &clientProperties
        )
        guard login.reply_type == AMQP_RESPONSE_NORMAL else {
            throw .connectionFailed(CRead.replyError(login, context: "login as \(configuration.user)"))
        }

        try openChannel(Self.controlChannel)
        try declareTopology()
        try openChannel(Self.publishChannel)
        _ = amqp_confirm_select(newState, Self.publishChannel)
        try checkReply("confirm.select")

        for consumer in consumers where !consumer.cancelled {
            try attach(consumer)
        }
        markConnected()
        logger.info(
            "AMQP connected",
            metadata: [
                "host": "\(endpoint)", "consumers": "\(consumers.count)",
            ])
    }

    func openChannel(_ channel: UInt16) throws(AMQPError) {
        guard let state else { throw .connectionLost("not connected") }
        _ = amqp_channel_open(state, channel)
        try checkReply("channel.open \(channel)")
        epochCounter += 1
        channelEpochs[channel] = epochCounter
        unsettled[channel] = UnsettledDeliveries()
    }

    /// Checks the last synchronous reply. A channel the broker closed is reported as
    /// `channelClosed` (a caller that goes on using the connection sends `channel.close-ok`
    /// and opens the channel again); anything else means the connection is gone.
    func checkReply(_ context: String) throws(AMQPError) {
        guard let state else { throw .connectionLost("not connected") }
        let reply = amqp_get_rpc_reply(state)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == SB_CHANNEL_CLOSE:
            let close = reply.reply.decoded!.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let text = CRead.string(close.reply_text)
            throw .channelClosed(code: close.reply_code, reason: "\(context): \(text)")
        default:
            throw .connectionLost(CRead.replyError(reply, context: context))
        }
    }

    private func declareTopology() throws(AMQPError) {
        guard let state else { throw .connectionLost("not connected") }
        let channel = Self.controlChannel
        let arena = CArena()
        let empty = amqp_table_t(num_entries: 0, entries: nil)
        do {
            for exchange in topology.exchanges {
                do {
                    try declare(exchange, arena: arena)
                } catch .channelClosed(let code, let reason) where code == 406 && exchange.replacesEarlierDeclaration {
                    // PRECONDITION_FAILED: it exists with an earlier version's arguments.
                    logger.warning(
                        "AMQP exchange declared with other arguments by an earlier version; replacing it",
                        metadata: ["exchange": "\(exchange.name)", "reason": "\(reason)"])
                    _ = sb_send_channel_close_ok(state, channel)
                    try openChannel(channel)
                    _ = amqp_exchange_delete(state, channel, arena.bytes(exchange.name), 0)
                    try checkReply("exchange.delete \(exchange.name)")
                    try declare(exchange, arena: arena)
                }
            }
            for queue in topology.queues {
                _ = amqp_queue_declare(state, channel, arena.bytes(queue.name), 0, 1, 0, 0, arena.table(queue.arguments))
                do {
                    try checkReply("queue.declare \(queue.name)")
                } catch .channelClosed(let code, let reason) where code == 406 && queue.keepsEarlierDeclaration {
                    // PRECONDITION_FAILED: it exists with an earlier version's arguments.
                    logger.warning(
                        "AMQP queue declared with other arguments by an earlier version; using it as it is until it is recreated",
                        metadata: ["queue": "\(queue.name)", "reason": "\(reason)"])
                    _ = sb_send_channel_close_ok(state, channel)
                    try openChannel(channel)
                    _ = amqp_queue_declare(state, channel, arena.bytes(queue.name), 1, 0, 0, 0, empty)
                    try checkReply("queue.declare \(queue.name) (passive)")
                }
            }
            for binding in topology.bindings {
                _ = amqp_queue_bind(
                    state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                    arena.bytes(binding.routingKey), empty
                )
                try checkReply("queue.bind \(binding.queue) \(binding.exchange) \(binding.routingKey)")
            }
            for binding in topology.obsoleteBindings {
                _ = amqp_queue_unbind(
                    state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange), arena.bytes(binding.routingKey), empty
                )
                do {
                    try checkReply("queue.unbind \(binding.queue) \(binding.exchange) \(binding.routingKey)")
                } catch .channelClosed(let code, _) where code == 404 {
                    // NOT_FOUND: no such queue (a partition that was never made), so no binding.
                    _ = sb_send_channel_close_ok(state, channel)
                    try openChannel(channel)
                }
            }
            for binding in topology.exchangeBindings {
                _ = amqp_exchange_bind(
                    state, channel, arena.bytes(binding.destination), arena.bytes(binding.source),
                    arena.bytes(binding.routingKey), empty
                )
                try checkReply("exchange.bind \(binding.destination) \(binding.source) \(binding.routingKey)")
            }
        } catch {
            // A refused declaration (e.g. a queue that exists with other arguments) is an
            // operator error: say exactly which, then retry with backoff.
            logger.error("AMQP topology declaration refused", metadata: ["reason": "\(error)"])
            throw .connectionFailed("\(error)")
        }
    }

    private func declare(_ exchange: AMQPTopology.Exchange, arena: CArena) throws(AMQPError) {
        guard let state else { throw .connectionLost("not connected") }
        _ = amqp_exchange_declare(
            state, Self.controlChannel, arena.bytes(exchange.name), arena.bytes(exchange.kind.rawValue), 0, 1, 0, 0,
            arena.table(exchange.arguments)
        )
        try checkReply("exchange.declare \(exchange.name)")
    }

    /// Opens the consumer's channel, sets its prefetch and starts consuming.
    func attach(_ consumer: ConsumerRegistration) throws(AMQPError) {
        guard let state else { return }
        guard let index = consumers.firstIndex(where: { $0 === consumer }) else { return }
        let channel = UInt16(3 + index)
        do {
            try openChannel(channel)
            _ = amqp_basic_qos(state, channel, 0, consumer.prefetch, 0)
            try checkReply("basic.qos")
            let arena = CArena()
            _ = amqp_basic_consume(
                state, channel, arena.bytes(consumer.queue), arena.bytes(consumer.tag), 0, 0, 0,
                amqp_table_t(num_entries: 0, entries: nil)
            )
            try checkReply("basic.consume \(consumer.queue)")
            consumer.channel = channel
            logger.debug("AMQP consumer attached", metadata: ["queue": "\(consumer.queue)"])
        } catch {
            if case .channelClosed(let code, _) = error {
                _ = sb_send_channel_close_ok(state, channel)
                channelEpochs[channel] = nil
                unsettled[channel] = nil
                if code == 404, topology.queues.contains(where: { $0.name == consumer.queue }) {
                    // NOT_FOUND: a queue of this connection's own topology was deleted under
                    // it (by an operator, or a policy). Declared again with its bindings (the
                    // whole topology: every declaration is idempotent), as a restart would;
                    // without it the consumer would stay detached until one.
                    logger.warning("AMQP queue missing; declaring the topology again", metadata: ["queue": "\(consumer.queue)"])
                    try declareTopology()
                    // Not at once: a queue still missing after that is not looped on.
                    reattachAt[ObjectIdentifier(consumer)] = .now + .milliseconds(500)
                    return
                }
                logger.error(
                    "AMQP consumer could not attach; retrying",
                    metadata: [
                        "queue": "\(consumer.queue)", "reason": "\(error)",
                    ])
                reattachAt[ObjectIdentifier(consumer)] = .now + .seconds(2)
                return
            }
            throw error
        }
    }

    func reattachDueConsumers() throws(AMQPError) {
        guard state != nil, !reattachAt.isEmpty else { return }
        let now = ContinuousClock.now
        for consumer in consumers where !consumer.cancelled && consumer.channel == nil {
            guard let due = reattachAt[ObjectIdentifier(consumer)], due <= now else { continue }
            reattachAt[ObjectIdentifier(consumer)] = nil
            try attach(consumer)
        }
    }
}
