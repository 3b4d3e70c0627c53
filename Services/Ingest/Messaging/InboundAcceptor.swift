import Foundation
import Logging
import Metrics
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels

/// Accepts one inbound message, whichever way it came (queue, `POST /v1/inbound`, carrier
/// webhooks): validate, then in one transaction store it (or find it is a duplicate) and
/// write `message.received` — and `consent.keyword` when the text is a keyword — to the
/// outbox.
///
/// A part of a concatenated SMS (`part`) is stored in `ingest.parts` instead; the message
/// is emitted once every part is there, whatever order they came in (``PartAssembly``),
/// or by the ``ReassemblyTimer`` with what arrived when the wait is over, marked
/// `incomplete`. Its id is the reassembly group's, known from the first part on.
struct InboundAcceptor: Sendable {
    let validator: InboundValidator
    let store: PostgresInboundStore
    let parts: PostgresPartStore
    let regions: ChannelRegions
    let client: PostgresClient
    let outbox: Outbox
    /// `SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS`.
    let reassemblyTimeout: Int
    let logger: Logger

    struct Outcome: Sendable, Equatable, Encodable {
        var messageId: String
        var duplicate: Bool
    }

    /// The region of a channel's national numbers: its own, else the service's.
    func region(of channel: String?) async throws -> String {
        let name = (channel?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return try await regions.region(of: name) ?? validator.defaultRegion
    }

    /// Validates an inbound message. Rejections are counted here, whatever the source.
    func validate(_ message: InboundMessage, source: String, region: String) throws(InvalidMessage) -> ValidatedInbound {
        do {
            return try validator.validate(message, now: Date(), region: region)
        } catch {
            Counter(label: "switchboard_ingest_rejected_total", dimensions: [("source", source)]).increment()
            throw error
        }
    }

    /// Accepts one message in its own transaction (the HTTP paths).
    /// - Parameter region: the channel's region when the caller knows it; nil: looked up.
    /// - Throws: ``InvalidMessage`` when the message breaks the contract; other errors are transient.
    func accept(_ message: InboundMessage, source: String, region: String? = nil, traceparent: String?) async throws -> Outcome {
        let resolved: String
        if let region { resolved = region } else { resolved = try await self.region(of: message.channel) }
        let validated = try validate(message, source: source, region: resolved)
        return try await outbox.transaction(on: client, logger: logger) { connection in
            try await record(validated, source: source, traceparent: traceparent, on: connection)
        }
    }

    /// Stores a validated message (or finds it is a duplicate) and writes its events to the
    /// outbox, inside the caller's transaction.
    /// - Parameter conversationLocked: the caller already holds this conversation's lock in
    ///   this transaction (a batch takes all of its conversations' locks first, in order).
    func record(
        _ validated: ValidatedInbound, source: String, traceparent: String?, conversationLocked: Bool = false,
        on connection: PostgresConnection
    ) async throws -> Outcome {
        let trace = TraceContext.child(of: traceparent)
        // One conversation's messages are accepted one at a time (across replicas too), so
        // their sequence numbers and their outbox order agree: the acceptance order.
        if !conversationLocked {
            let conversation = ConversationKey.make(customer: validated.from, organisation: validated.to)
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(conversation)))", logger: logger)
        }
        let outcome: Outcome
        if let part = validated.part {
            outcome = try await recordPart(validated, part: part, source: source, trace: trace, on: connection)
        } else if let emitted = try await emit(validated, id: UUID(), incomplete: false, source: source, trace: trace, on: connection) {
            outcome = emitted
        } else {
            let existing = try await store.find(
                channel: validated.channel, carrierMessageID: validated.carrierMessageID, on: connection, logger: logger
            )
            outcome = Outcome(messageId: existing?.id.uuidString.lowercased() ?? "", duplicate: true)
        }
        Counter(label: "switchboard_ingest_accepted_total", dimensions: [("source", source), ("duplicate", "\(outcome.duplicate)")]).increment()
        logger.debug(
            outcome.duplicate ? "duplicate inbound message" : "inbound message accepted",
            metadata: [
                "message_id": "\(outcome.messageId)", "channel": "\(validated.channel)",
                "part": "\(validated.part.map { "\($0.seq)/\($0.total)" } ?? "-")",
                "trace_id": "\(TraceContext.traceID(of: trace) ?? "")",
            ])
        return outcome
    }

    /// A part: dedup on (channel, carrier id) forever, store it in its group, and emit the
    /// message when the group is complete.
    private func recordPart(
        _ validated: ValidatedInbound, part: InboundMessage.Part, source: String, trace: String, on connection: PostgresConnection
    ) async throws -> Outcome {
        if let group = try await parts.groupOfPart(
            channel: validated.channel, carrierMessageID: validated.carrierMessageID, on: connection, logger: logger
        ) {
            return Outcome(messageId: group.uuidString.lowercased(), duplicate: true)
        }
        // A whole message with the same id was accepted before: this is a retry of it.
        if let existing = try await store.find(
            channel: validated.channel, carrierMessageID: validated.carrierMessageID, on: connection, logger: logger
        ) {
            return Outcome(messageId: existing.id.uuidString.lowercased(), duplicate: true)
        }
        let group = try await parts.openGroup(
            for: validated, part: part, source: source, traceparent: trace, timeout: reassemblyTimeout, on: connection, logger: logger
        )
        let id = group.id.uuidString.lowercased()
        guard try await parts.insertPart(validated, seq: part.seq, group: group.id, on: connection, logger: logger) else {
            // Another carrier id for a part already there: kept the first, nothing new.
            return Outcome(messageId: id, duplicate: true)
        }
        let stored = try await parts.parts(of: group.id, on: connection, logger: logger)
        if Self.assembly(of: stored, total: part.total).isComplete {
            try await emitGroup(group, parts: stored, incomplete: false, on: connection)
        }
        return Outcome(messageId: id, duplicate: false)
    }

    /// Emits a reassembly group as one message (complete, or what arrived when its wait is
    /// over) and closes it, in the caller's transaction, which holds the conversation lock.
    func emitGroup(_ group: PartGroup, parts stored: [StoredPart]? = nil, incomplete: Bool, on connection: PostgresConnection) async throws {
        var stored = stored ?? []
        if stored.isEmpty { stored = try await parts.parts(of: group.id, on: connection, logger: logger) }
        try await parts.markEmitted(group.id, incomplete: incomplete, on: connection, logger: logger)
        let assembly = Self.assembly(of: stored, total: group.total)
        guard !assembly.parts.isEmpty else { return }
        let ordered = stored.sorted { $0.seq < $1.seq }
        var media: [ValidatedInbound.Media] = []
        for item in ordered.flatMap(\.media) {
            var copy = item
            copy.index = media.count
            media.append(copy)
        }
        let message = ValidatedInbound(
            channel: group.channel, carrierMessageID: assembly.carrierMessageID, from: group.from, to: group.to,
            text: assembly.text, media: media, receivedAt: ordered.map(\.receivedAt).min() ?? Date()
        )
        let emitted = try await emit(
            message, id: group.id, incomplete: incomplete, source: group.source,
            trace: TraceContext.child(of: group.traceparent), on: connection
        )
        if incomplete {
            Counter(label: "switchboard_ingest_incomplete_messages_total").increment()
            logger.info(
                "concatenated SMS emitted incomplete",
                metadata: [
                    "message_id": "\(group.id.uuidString.lowercased())", "missing_parts": "\(assembly.missing)",
                    "emitted": "\(emitted != nil)",
                ])
        }
    }

    static func assembly(of stored: [StoredPart], total: Int) -> PartAssembly {
        PartAssembly(total: total, parts: stored.map { .init(seq: $0.seq, carrierMessageID: $0.carrierMessageID, text: $0.text) })
    }

    /// Inserts the message and writes `message.received` (and `consent.keyword`) to the
    /// outbox; nil when (channel, carrier id) was accepted before.
    private func emit(
        _ validated: ValidatedInbound, id: UUID, incomplete: Bool, source: String, trace: String, on connection: PostgresConnection
    ) async throws -> Outcome? {
        guard let stored = try await store.insert(validated, id: id, source: source, on: connection, logger: logger) else { return nil }
        try await outbox.enqueue(
            try await events(for: validated, stored: stored, incomplete: incomplete, trace: trace), on: connection, logger: logger)
        return Outcome(messageId: stored.id.uuidString.lowercased(), duplicate: false)
    }

    /// Records a consumer's batch in the caller's transaction with a fixed number of
    /// statements, whatever its size: the conversations' locks, one insert for every whole
    /// message, one outbox insert for all their events. Statements per message are what
    /// bounds throughput (each is a round trip, a parse and two context switches).
    ///
    /// A conversation with a part of a concatenated SMS in the batch is recorded message by
    /// message instead (after the others, in its order), through ``record(_:source:traceparent:conversationLocked:on:)``.
    func recordBatch(_ batch: [(message: ValidatedInbound, traceparent: String?)], source: String, on connection: PostgresConnection) async throws {
        let conversations = batch.map { ConversationKey.make(customer: $0.message.from, organisation: $0.message.to) }
        // Locks in one global order: batches of two replicas never deadlock.
        try await connection.query(
            """
            SELECT pg_advisory_xact_lock(hashtext(conversation))
            FROM unnest(\(Set(conversations).sorted())::text[]) WITH ORDINALITY AS locks (conversation, position) ORDER BY position
            """, logger: logger)
        let withParts = Set(zip(batch, conversations).filter { $0.0.message.part != nil }.map(\.1))
        var whole: [(id: UUID, message: ValidatedInbound, trace: String)] = []
        var oneByOne: [(message: ValidatedInbound, traceparent: String?)] = []
        for (item, conversation) in zip(batch, conversations) {
            if withParts.contains(conversation) {
                oneByOne.append(item)
            } else {
                whole.append((UUID(), item.message, TraceContext.child(of: item.traceparent)))
            }
        }
        let stored = try await store.insertAll(whole.map { ($0.id, $0.message) }, source: source, on: connection, logger: logger)
        var events: [OutboxMessage] = []
        for item in whole {
            if let row = stored[item.id] {
                events += try await self.events(for: item.message, stored: row, incomplete: false, trace: item.trace)
            }
            Counter(label: "switchboard_ingest_accepted_total", dimensions: [("source", source), ("duplicate", "\(stored[item.id] == nil)")])
                .increment()
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
        for item in oneByOne {
            _ = try await record(item.message, source: source, traceparent: item.traceparent, conversationLocked: true, on: connection)
        }
    }

    /// `message.received`, a `media.fetch` command per MMS item, and `consent.keyword` with
    /// its confirmation reply when the text is a keyword, for a message just stored.
    private func events(
        for validated: ValidatedInbound, stored: StoredInbound, incomplete: Bool, trace: String
    ) async throws -> [OutboxMessage] {
        let conversation = ConversationKey.make(customer: validated.from, organisation: validated.to)
        let event = MessageReceived(
            messageId: stored.id.uuidString.lowercased(), channel: validated.channel,
            carrierMessageId: validated.carrierMessageID, from: validated.from, to: validated.to, text: validated.text,
            media: validated.media.map { .init(index: $0.index, contentType: $0.contentType, filename: $0.filename) },
            receivedAt: validated.receivedAt, acceptedAt: stored.acceptedAt, sequence: stored.sequence,
            incomplete: incomplete ? true : nil
        )
        var messages = [
            try OutboxMessage.event(
                .messageReceived, service: "ingest", subject: nil, traceparent: trace, data: event, correlationID: conversation
            )
        ]
        // Each MMS media item becomes a `media.fetch` command for the media service, with the
        // channel as the reference to the credentials it may use (never the secret itself).
        for item in validated.media {
            let command = MediaFetch(
                messageId: event.messageId, index: item.index, channel: validated.channel, url: item.url, data: item.data,
                contentTypeHint: item.contentType, filename: item.filename,
                credentialsRef: item.url == nil ? nil : validated.channel
            )
            messages.append(
                OutboxMessage(
                    messageID: "\(event.messageId).media.\(item.index)", exchange: SwitchboardTopology.commandsExchange,
                    routingKey: "media.fetch", type: "media.fetch", contentType: "application/json", correlationID: conversation,
                    traceparent: trace, mandatory: true, body: try SwitchboardJSON.encoder().encode(command)
                ))
        }
        if let keyword = ConsentKeywords.detect(validated.text) {
            let consent = ConsentKeyword(
                messageId: event.messageId, from: validated.from, to: validated.to, keyword: keyword.keyword,
                action: keyword.action.rawValue, at: validated.receivedAt
            )
            messages.append(
                try OutboxMessage.event(
                    .consentKeyword, service: "ingest", subject: nil, traceparent: trace, data: consent, correlationID: conversation
                ))
            Counter(label: "switchboard_ingest_consent_keywords_total", dimensions: [("action", keyword.action.rawValue)]).increment()
            let replies = try await regions.keywordReplies(of: validated.channel)
            if let confirmation = try KeywordConfirmation.message(
                for: keyword.action, replies: replies, inbound: event, conversation: conversation, traceparent: trace)
            {
                messages.append(confirmation)
            }
        }
        return messages
    }
}
