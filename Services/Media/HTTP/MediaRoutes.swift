import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// The media API (docs/architecture.md section 3, issue #7). Every operation needs the role `agent`,
/// `supervisor` or `admin` (403 otherwise); who may see which item is ``MediaAccess``
/// (404 for the rest).
///
/// | operation | success |
/// |---|---|
/// | `GET /v1/media?interaction_id=` | 200, `{"items", "next"}` (the interaction's media, oldest first) |
/// | `GET /v1/media/{id}` | 200, the metadata |
/// | `GET /v1/media/{id}/thumbnail` | 200, the thumbnail (404 `no_thumbnail` when there is none) |
/// | `GET /v1/media/{id}/content` | 200 inline; `?download=1`: attachment, needs perm `media.save` (403) |
///
/// Bytes are served with `ETag` (the SHA-256, quoted; `If-None-Match` → 304),
/// `Cache-Control: private`, `X-Content-Type-Options: nosniff`, and single byte ranges
/// (`Range: bytes=a-b | a- | -n` → 206 with `Content-Range`; past the end → 416).
struct MediaRoutes: Sendable {
    let store: PostgresMediaStore
    let content: ContentStore
    let client: PostgresClient
    let logger: Logger
    let access = MediaAccess()

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/v1/media") { request, context -> Response in
            let identity = try caller(context)
            guard let raw = request.uri.queryParameters.get("interaction_id"), !raw.isEmpty else {
                throw APIError.invalid("interaction_id is required (an interaction's id)")
            }
            guard let interactionID = UUID(uuidString: raw) else { throw APIError.invalid("interaction_id must be a UUID") }
            let participant = try await isParticipant(identity, interactionID)
            guard access.read(identity, isParticipant: participant) == .allowed else { throw APIError.notFound("The interaction") }
            let records = try await store.items(interactionID: interactionID, limit: 500, client: client, logger: logger)
            return try JSONBody.response(MediaPage(items: records.map(\.view), next: nil))
        }
        router.get("/v1/media/:id") { request, context -> Response in
            let (_, record) = try await visibleItem(request, context)
            return try JSONBody.response(record.view)
        }
        router.get("/v1/media/:id/thumbnail") { request, context -> Response in
            let (_, record) = try await visibleItem(request, context)
            guard let thumbnail = record.blob.thumbnailSHA256, let type = record.blob.thumbnailContentType else {
                throw APIError(
                    status: .notFound, code: "no_thumbnail", title: "No thumbnail",
                    detail: "This media item has no thumbnail (it is not an image, or not one that could be decoded).")
            }
            return try await serve(request, sha256: thumbnail, contentType: type, disposition: nil)
        }
        router.get("/v1/media/:id/content") { request, context -> Response in
            let (identity, record) = try await visibleItem(request, context)
            let download = ["1", "true", "yes"].contains(request.uri.queryParameters.get("download")?.lowercased() ?? "")
            var disposition = "inline"
            if download {
                guard access.save(identity, isParticipant: true) == .allowed else {
                    throw APIError.forbidden("Saving media needs the permission \(MediaAccess.savePermission).")
                }
                let name =
                    record.type.map { SafeFilename.make(original: record.filename, mediaID: record.idString, type: $0) }
                    ?? "media-\(record.idString.prefix(8))"
                disposition = SafeFilename.contentDisposition(name)
            }
            return try await serve(request, sha256: record.blob.sha256, contentType: record.blob.contentType, disposition: disposition)
        }
    }

    // MARK: Access

    private func caller(_ context: SwitchboardRequestContext) throws -> Identity {
        try context.identity(anyOf: .agent, .supervisor, .admin)
    }

    /// The item, if the caller may see it; 404 otherwise (also for ids that are not UUIDs).
    private func visibleItem(_ request: Request, _ context: SwitchboardRequestContext) async throws -> (Identity, MediaRecord) {
        let identity = try caller(context)
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text),
            let record = try await store.item(id: id, client: client, logger: logger)
        else { throw APIError.notFound("The media item") }
        var participant = false
        if !identity.canReadEverything, let interactionID = record.interactionID {
            participant = try await isParticipant(identity, interactionID)
        }
        guard access.read(identity, isParticipant: participant) == .allowed else { throw APIError.notFound("The media item") }
        return (identity, record)
    }

    private func isParticipant(_ identity: Identity, _ interactionID: UUID) async throws -> Bool {
        guard !identity.canReadEverything else { return true }
        return try await store.isParticipant(interactionID: interactionID, agentID: identity.agentID, client: client, logger: logger)
    }

    // MARK: Bytes

    private func serve(_ request: Request, sha256: String, contentType: String, disposition: String?) async throws -> Response {
        let etag = "\"\(sha256)\""
        var headers = HTTPFields()
        headers[.eTag] = etag
        headers[.cacheControl] = "private, max-age=86400"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.acceptRanges] = "bytes"
        if let disposition { headers[.contentDisposition] = disposition }

        if let ifNoneMatch = request.headers[.ifNoneMatch], Self.matches(ifNoneMatch, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        let content = self.content
        guard let bytes = try await Blocking.run({ try content.read(sha256: sha256) }) else {
            logger.error("stored content is missing", metadata: ["sha256": "\(sha256)"])
            throw APIError(
                status: .internalServerError, code: "content_missing", title: "Content missing",
                detail: "The media item's content is missing from the store.")
        }
        headers[.contentType] = contentType
        var range = ByteRange.evaluate(request.headers[.range], length: bytes.count)
        if let ifRange = request.headers[.ifRange], ifRange.trimmingCharacters(in: .whitespaces) != etag { range = .whole }
        switch range {
        case .whole:
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .partial(let slice):
            headers[.contentRange] = ByteRange.contentRange(slice, length: bytes.count)
            return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes[slice])))
        case .unsatisfiable:
            var problemHeaders = HTTPFields()
            problemHeaders[.contentType] = "application/problem+json"
            problemHeaders[.contentRange] = "bytes */\(bytes.count)"
            problemHeaders[.eTag] = etag
            let problem: [String: Any] = [
                "type": "https://switchboard.dev/problems/range_not_satisfiable", "title": "Range not satisfiable",
                "status": 416, "code": "range_not_satisfiable",
                "detail": "The requested range starts past the end of the \(bytes.count) bytes.",
            ]
            let data = try JSONSerialization.data(withJSONObject: problem, options: [.sortedKeys, .withoutEscapingSlashes])
            return Response(status: .rangeNotSatisfiable, headers: problemHeaders, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// `If-None-Match`: `*` or a list of entity tags (weak comparison, RFC 9110 13.1.2).
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }
}
