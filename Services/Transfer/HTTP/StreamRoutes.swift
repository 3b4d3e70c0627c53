import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import SwitchboardModels
import SwitchboardServiceKit

/// The desktops' live stream (docs/architecture.md section 10.2; issue #20).
///
/// | operation | who | success |
/// |---|---|---|
/// | `POST /v1/stream/tickets` | agent, supervisor, admin (bearer) | 201 `{ticket, expires_at}`: single use, 60 s |
/// | `GET /v1/stream` | bearer, or `?ticket=` | 200 `text/event-stream` until the desktop leaves |
///
/// `GET /v1/stream` resumes after `Last-Event-ID` (the header an `EventSource` sends when it
/// reconnects by itself) or `?last_event_id=` (a desktop opening a new `EventSource` with a
/// fresh ticket cannot set the header), or sends `resync` when it cannot. Supervisors and
/// admins may add `?queues=a,b` for the queues' counts.
struct StreamRoutes: Sendable {
    let hub: DeskStreamHub
    let logger: Logger

    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!

    func register(on router: Router<SwitchboardRequestContext>) {
        router.post("/v1/stream/tickets") { request, context -> Response in
            let identity = try context.identity(anyOf: .agent, .supervisor, .admin)
            let ticket = try await hub.tickets.issue(for: identity, client: hub.client, logger: logger)
            var response = try JSONBody.response(ticket, status: .created)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.get("/v1/stream") { request, context -> Response in
            let identity = try await caller(request, context)
            let queues = try subscribedQueues(request, identity)
            let lastEventID = request.headers[Self.lastEventID] ?? request.uri.queryParameters["last_event_id"].map(String.init)
            let position = try await hub.feed.position(of: identity.agentID, client: hub.client, logger: logger)
            let start = StreamStart.decide(lastEventID: lastEventID, newest: position.newest, purgedThrough: position.purgedThrough)
            let cursor: Int64
            switch start {
            case .after(let after): cursor = after
            case .resync(let from, _): cursor = from
            }
            let connection: DeskConnection
            switch Result(catching: { () throws(StreamLimitError) in
                try hub.open(identity: identity, queues: queues, channel: context.channel, cursor: cursor)
            }) {
            case .success(let opened): connection = opened
            case .failure(let refusal):
                StreamMetrics.refused(refusal.apiError.code)
                throw refusal.apiError
            }
            logger.info("desk stream opened", metadata: ["agent_id": "\(identity.agentID)", "cursor": "\(cursor)"])
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            headers[Self.accelBuffering] = "no"
            let body = ResponseBody { writer in
                defer { hub.close(connection) }
                var opening = SSEFrame.opening
                if case .resync(let from, let reason) = start {
                    StreamMetrics.resync(reason)
                    opening += SSEFrame.event(id: from, kind: .resync, data: #"{"reason":"\#(reason)"}"#)
                }
                try await writer.write(ByteBuffer(string: opening))
                let ended: StreamEnd
                do {
                    ended = try await withGracefulShutdownHandler {
                        try await pump(connection, into: &writer)
                    } onGracefulShutdown: {
                        connection.finish(.shutdown)
                    }
                } catch {
                    // The hub ended a stream stuck in a write by closing its socket: the write
                    // failed, but the stream ended for that reason, and is counted as such.
                    if let reason = connection.endReason {
                        if reason == .fellBehind { StreamMetrics.resync(reason.rawValue) }
                        StreamMetrics.ended(reason)
                    }
                    throw error
                }
                StreamMetrics.ended(ended)
                logger.info("desk stream ended", metadata: ["agent_id": "\(identity.agentID)", "reason": "\(ended.rawValue)"])
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// Writes frames until the stream ends; a desktop that fell behind is told `resync` last.
    private func pump(_ connection: DeskConnection, into writer: inout any ResponseBodyWriter) async throws -> StreamEnd {
        while true {
            switch await connection.next() {
            case .frames(let frames):
                connection.writing(true)
                var buffer = ByteBuffer()
                for frame in frames { buffer.writeString(frame) }
                try await writer.write(buffer)
                connection.writing(false)
                StreamMetrics.sent(events: frames.count)
                if connection.isBehind { hub.drained(connection) }
            case .end(let reason):
                if reason == .fellBehind {
                    StreamMetrics.resync(reason.rawValue)
                    let frame = SSEFrame.event(id: connection.cursor, kind: .resync, data: #"{"reason":"\#(reason.rawValue)"}"#)
                    try await writer.write(ByteBuffer(string: frame))
                }
                return reason
            }
        }
    }

    /// The bearer token's identity, or the one a ticket was issued for (the ticket is spent).
    private func caller(_ request: Request, _ context: SwitchboardRequestContext) async throws -> Identity {
        let identity: Identity
        if let ticket = request.uri.queryParameters["ticket"], !ticket.isEmpty {
            guard let redeemed = try await hub.tickets.redeem(String(ticket), client: hub.client, logger: logger) else {
                throw APIError(
                    status: .unauthorized, code: "unauthorized", title: "Authentication required",
                    detail: "The stream ticket is unknown, used or expired; ask POST /v1/stream/tickets for a new one.")
            }
            identity = redeemed
        } else {
            identity = try context.identity()
        }
        try identity.require(anyOf: .agent, .supervisor, .admin)
        return identity
    }

    /// `?queues=a,b`: supervisors and admins only.
    private func subscribedQueues(_ request: Request, _ identity: Identity) throws -> Set<String> {
        guard let list = request.uri.queryParameters["queues"], !list.isEmpty else { return [] }
        guard identity.canReadEverything else {
            throw APIError.forbidden("Only supervisors and admins may follow queues' counts.")
        }
        let queues = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        guard queues.count <= 100, queues.allSatisfy({ $0.count <= 200 }) else {
            throw APIError.invalid("queues: at most 100 queue names of at most 200 characters each.")
        }
        return queues
    }
}
