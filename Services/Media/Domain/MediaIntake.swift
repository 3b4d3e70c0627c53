import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Turns a `media.fetch` command into stored content, before any transaction is opened
/// (fetching and thumbnailing take seconds; a transaction must not wait on them):
///
/// 1. the bytes: inline `data` (base64, size-limited before and after decoding) or the
///    fetched `url` (``MediaFetcher``);
/// 2. the type, from the magic bytes only (``MediaType``); other content is refused;
/// 3. the SHA-256; content already known (`media.blobs`) reuses its facts and thumbnail;
/// 4. for images, the header check and thumbnail (``ImageProcessor``); too many pixels
///    refuses the item before it is stored;
/// 5. the content (and thumbnail) written to the ``ContentStore`` (atomic, deduplicated).
///
/// Everything here is idempotent (content-addressed), so a redelivered command that gets
/// here again does no harm; the transaction that records the result is the consumer's.
struct MediaIntake: Sendable {
    let settings: MediaSettings
    let fetcher: MediaFetcher
    let content: ContentStore
    let images: ImageProcessor
    let store: PostgresMediaStore
    let client: PostgresClient
    let logger: Logger

    enum Outcome: Sendable, Equatable {
        case stored(BlobRecord)
        /// A permanent failure: `media.failed` with the reason.
        case failed(String)
    }

    /// Throws only for failures of the service itself (database, disk): the command is
    /// then retried by the broker.
    func prepare(_ command: MediaFetch) async throws -> Outcome {
        let bytes: [UInt8]
        // Decoding megabytes of base64, hashing them and looking at the disk run off the
        // event loops (``Blocking``), as the file writes do.
        switch try await Blocking.run({ [self] in obtain(command) }) {
        case .inline(let result):
            switch result {
            case .success(let decoded): bytes = decoded
            case .failure(let failure): return .failed(failure.reason)
            }
        case .remote(let url):
            let credentials = command.credentialsRef.flatMap { settings.credentials[$0] }
            if let reference = command.credentialsRef, credentials == nil {
                logger.warning("no media credentials configured for channel", metadata: ["channel": "\(reference)"])
            }
            do {
                bytes = try await fetcher.fetch(url, credentials: credentials)
            } catch {
                return .failed(error.reason)
            }
        }
        guard !bytes.isEmpty else { return .failed("empty content") }
        guard let type = MediaType.sniff(bytes) else {
            return .failed("unsupported content (not a JPEG, PNG, GIF, WebP, HEIC, BMP, TIFF, MP4, 3GP, AMR, MP3, vCard or PDF)")
        }
        let sha256 = try await Blocking.run { ContentStore.sha256(bytes) }
        let content = self.content
        if let known = try await store.blob(sha256: sha256, client: client, logger: logger),
            try await Blocking.run({ known.thumbnailSHA256.map(content.contains(sha256:)) ?? true })
        {
            // Seen before: its facts and thumbnail are reused; the file is put back if lost.
            try await Blocking.run { try content.write(bytes, sha256: sha256) }
            return .stored(known)
        }
        // New, or its thumbnail file was lost: (re)made below.
        var blob = BlobRecord(sha256: sha256, contentType: type.rawValue, bytes: bytes.count)
        if type.isImage {
            switch await images.process(bytes) {
            case .refused(let reason):
                return .failed(reason)
            case .unreadable(let reason):
                logger.info("image stored without a thumbnail", metadata: ["sha256": "\(sha256)", "reason": "\(reason)"])
            case .image(let header, let thumbnail):
                blob.width = header.width
                blob.height = header.height
                if let thumbnail {
                    let digest = try await Blocking.run {
                        let digest = ContentStore.sha256(thumbnail.bytes)
                        try content.write(thumbnail.bytes, sha256: digest)
                        return digest
                    }
                    blob.thumbnailSHA256 = digest
                    blob.thumbnailContentType = thumbnail.type.rawValue
                } else {
                    logger.info("image could not be decoded; stored without a thumbnail", metadata: ["sha256": "\(sha256)"])
                }
            }
        }
        try await Blocking.run { try content.write(bytes, sha256: sha256) }
        return .stored(blob)
    }

    private enum Source {
        case inline(Result<[UInt8], InlineFailure>)
        case remote(String)
    }

    private struct InlineFailure: Error {
        let reason: String
    }

    private func obtain(_ command: MediaFetch) -> Source {
        if let url = command.url { return .remote(url) }
        let text = command.data ?? ""
        // Base64 is 4 characters per 3 bytes: refuse before decoding what is surely too large.
        guard text.utf8.count / 4 * 3 <= settings.maxBytes + 3 else {
            return .inline(.failure(InlineFailure(reason: "larger than \(settings.maxBytes) bytes")))
        }
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            return .inline(.failure(InlineFailure(reason: "data is not valid base64")))
        }
        guard data.count <= settings.maxBytes else {
            return .inline(.failure(InlineFailure(reason: "larger than \(settings.maxBytes) bytes")))
        }
        return .inline(.success([UInt8](data)))
    }
}
