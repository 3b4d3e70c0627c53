import CRabbitMQ
import Foundation
import Logging
import Metrics

extension ConnectionWorker {
    /// Waits for the socket (or a wake-up) and handles the frames that arrived.
    func pumpFrames() throws(AMQPError) {
        guard let state else { return }
        if amqp_frames_enqueued(state) == 0, amqp_data_in_buffer(state) == 0 {
            let timeout: Int32 = reattachAt.isEmpty ? 1000 : 200
            let ready = sb_poll_two(amqp_get_sockfd(state), wakeReadDescriptor, timeout)
            if ready < 0 { return }  // EINTR: go round again
            if ready & 2 != 0 { sb_drain_wake_pipe(wakeReadDescriptor) }
            // Even with nothing readable, one zero-timeout read lets rabbitmq-c send a due heartbeat.
            if ready & 1 == 0 {
                try readFrames(limit: 1)
                return
            }
        }
        try readFrames(limit: 512)
    }

    private func readFrames(limit: Int) throws(AMQPError) {
        guard let state else { return }
        var handled = 0
        while handled < limit {
            var frame = amqp_frame_t()
            let status = sb_wait_frame(state, &frame, 0)
            if status == AMQP_STATUS_TIMEOUT.rawValue { break }
            guard status == AMQP_STATUS_OK.rawValue else { throw .connectionLost(Self.statusText(status)) }
            try handle(frame)
            handled += 1
        }
        if let current = self.state { amqp_maybe_release_buffers(current) }
    }

    private func handle(_ frame: amqp_frame_t) throws(AMQPError) {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        guard let decoded = method.decoded else { return }
        switch method.id {
        case SB_BASIC_DELIVER:
            let method = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let tag = method.delivery_tag
            let redelivered = method.redelivered != 0
            let exchange = CRead.string(method.exchange)
            let routingKey = CRead.string(method.routing_key)
            let (body, properties) = try readContent(channel: frame.channel)
            deliver(
                channel: frame.channel, tag: tag, redelivered: redelivered, exchange: exchange,
                routingKey: routingKey, body: body, properties: properties
            )
        case SB_BASIC_ACK:
            let ack = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, error: nil)
        case SB_BASIC_NACK:
            let nack = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirm(upTo: nack.delivery_tag, multiple: nack.multiple != 0, error: .nacked)
        case SB_BASIC_RETURN:
            let ret = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let error = AMQPError.unroutable(
                code: ret.reply_code,
                reason: "\(CRead.string(ret.reply_text)) (exchange \(CRead.string(ret.exchange)), key \(CRead.string(ret.routing_key)))"
            )
            let (_, properties) = try readContent(channel: frame.channel)
            if let id = properties.messageID { returned[id] = error }
        case SB_CHANNEL_CLOSE:
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            try channelClosed(frame.channel, code: close.reply_code, reason: CRead.string(close.reply_text))
        case SB_CONNECTION_CLOSE:
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let reason = "broker closed the connection (\(close.reply_code)): \(CRead.string(close.reply_text))"
            if let state { _ = sb_send_connection_close_ok(state) }
            throw .connectionLost(reason)
        case SB_BASIC_CANCEL:
            // The broker cancelled a consumer (its queue was deleted, or a failover): attach again shortly.
            if let consumer = consumers.first(where: { $0.channel == frame.channel }), !consumer.cancelled {
                logger.warning("AMQP consumer cancelled by broker; re-attaching", metadata: ["queue": "\(consumer.queue)"])
                consumer.channel = nil
                if let state { _ = amqp_channel_close(state, frame.channel, AMQP_REPLY_SUCCESS) }
                channelEpochs[frame.channel] = nil
                unsettled[frame.channel] = nil
                reattachAt[ObjectIdentifier(consumer)] = .now + .seconds(1)
            }
        default:
            break
        }
    }

    private func readContent(channel: UInt16) throws(AMQPError) -> (Data, AMQPProperties) {
        guard let state else { throw .connectionLost("not connected") }
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            throw .connectionLost(CRead.replyError(reply, context: "reading message content"))
        }
        defer { amqp_destroy_message(&message) }
        return (CRead.data(message.body), CRead.properties(message.properties))
    }

    private func deliver(
        channel: UInt16, tag: UInt64, redelivered: Bool, exchange: String, routingKey: String,
        body: Data, properties: AMQPProperties
    ) {
        // Recorded also when no consumer takes it: no `multiple` ack may settle it.
        unsettled[channel]?.delivered(tag)
        guard let consumer = consumers.first(where: { $0.channel == channel }), let epoch = channelEpochs[channel] else {
            return  // not ours any more: left unacked, the broker requeues it when the channel goes
        }
        deliveredCounter.increment()
        consumer.continuation.yield(
            AMQPDelivery(
                body: body, properties: properties, exchange: exchange, routingKey: routingKey,
                redelivered: redelivered, deliveryTag: tag, queue: consumer.queue, channel: channel, generation: epoch
            ))
    }

    /// The broker closed one channel: acknowledge, fail what depended on it, reopen it.
    private func channelClosed(_ channel: UInt16, code: UInt16, reason: String) throws(AMQPError) {
        guard let state else { return }
        _ = sb_send_channel_close_ok(state, channel)
        channelEpochs[channel] = nil
        unsettled[channel] = nil
        logger.warning(
            "AMQP channel closed by broker",
            metadata: [
                "channel": "\(channel)", "code": "\(code)", "reason": "\(reason)",
            ])
        if channel == Self.publishChannel {
            failInFlight(with: .channelClosed(code: code, reason: reason))
            try openChannel(Self.publishChannel)
            _ = amqp_confirm_select(state, Self.publishChannel)
            try checkReply("confirm.select")
        } else if let consumer = consumers.first(where: { $0.channel == channel }) {
            consumer.channel = nil
            if !consumer.cancelled { reattachAt[ObjectIdentifier(consumer)] = .now + .seconds(1) }
        }
    }
}
