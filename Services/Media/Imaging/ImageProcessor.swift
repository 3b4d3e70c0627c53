import CVips
import Dispatch

/// Image headers and thumbnails with libvips (issue #7, docs/architecture.md section 8), under limits:
///
/// - libvips is started once with untrusted loaders blocked (ImageMagick and the other
///   loaders libvips marks unsafe for untrusted input), its operation cache off and one
///   worker thread per pipeline (`sb_vips_start` in the CVips shim);
/// - the header (width, height, pages) is read first, which decodes no pixels, and an
///   image of more than `SWITCHBOARD_MEDIA_MAX_PIXELS` (width × height × pages) is refused
///   before anything is decoded: a 30000×30000 PNG costs its few header bytes;
/// - the thumbnail loader fails on the first decoding error (`fail_on=error`, passed
///   through `option_string` because 8.14's thumbnail ignores its own `fail_on`) and
///   shrinks on load where the format allows;
/// - the work is CPU-bound and blocking: it runs on one serial Dispatch queue of its own,
///   never on Swift's cooperative pool, and at most one image is decoded at a time, which
///   bounds memory too.
final class ImageProcessor: Sendable {
    let maxPixels: Int
    let thumbnailSize: Int
    let format: MediaSettings.ThumbnailFormat
    private let queue = DispatchQueue(label: "switchboard.media.vips", qos: .utility)

    struct Header: Equatable, Sendable {
        var width: Int
        var height: Int
        var pages: Int
        var loader: String
    }

    struct Thumbnail: Equatable, Sendable {
        var bytes: [UInt8]
        var width: Int
        var height: Int
        var type: MediaType
    }

    enum Outcome: Equatable, Sendable {
        /// Too many pixels (a decompression bomb, or just too large): the item is refused.
        case refused(String)
        /// No trusted loader reads it (a blocked format, or not really an image): stored
        /// without dimensions or thumbnail.
        case unreadable(String)
        /// Its header, and its thumbnail unless decoding it failed.
        case image(Header, Thumbnail?)
    }

    /// Starts libvips for the process (once; later calls return the first result).
    static let started: Bool = sb_vips_start() == 0

    init(maxPixels: Int, thumbnailSize: Int, format: MediaSettings.ThumbnailFormat) {
        self.maxPixels = maxPixels
        self.thumbnailSize = thumbnailSize
        self.format = format
    }

    func process(_ bytes: [UInt8]) async -> Outcome {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.processBlocking(bytes)) }
        }
    }

    /// Runs on ``queue`` only.
    private func processBlocking(_ bytes: [UInt8]) -> Outcome {
        guard Self.started else { return .unreadable("libvips did not start") }
        return bytes.withUnsafeBytes { raw -> Outcome in
            guard let base = raw.baseAddress, raw.count > 0 else { return .unreadable("empty") }
            var width: Int32 = 0
            var height: Int32 = 0
            var pages: Int32 = 0
            var loader = [CChar](repeating: 0, count: 64)
            let status = loader.withUnsafeMutableBufferPointer { name in
                sb_vips_header(base, raw.count, &width, &height, &pages, name.baseAddress, name.count)
            }
            guard status == 0 else { return .unreadable(Self.takeError()) }
            let header = Header(
                width: Int(width), height: Int(height), pages: max(1, Int(pages)),
                loader: loader.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            )
            guard header.width > 0, header.height > 0 else { return .unreadable("no dimensions") }
            let (area, overflow1) = header.width.multipliedReportingOverflow(by: header.height)
            let (pixels, overflow2) = area.multipliedReportingOverflow(by: header.pages)
            if overflow1 || overflow2 || pixels > maxPixels {
                return .refused(
                    "image of \(header.width)×\(header.height) pixels\(header.pages > 1 ? " × \(header.pages) pages" : "") exceeds the limit of \(maxPixels) pixels"
                )
            }
            var output: UnsafeMutableRawPointer?
            var length = 0
            var thumbWidth: Int32 = 0
            var thumbHeight: Int32 = 0
            let made = sb_vips_thumbnail(
                base, raw.count, Int32(thumbnailSize), format == .webp ? 1 : 0, 80, &output, &length, &thumbWidth, &thumbHeight
            )
            guard made == 0, let output else {
                _ = Self.takeError()
                return .image(header, nil)
            }
            defer { sb_vips_free(output) }
            let thumbnail = Array(UnsafeRawBufferPointer(start: output, count: length))
            return .image(header, Thumbnail(bytes: thumbnail, width: Int(thumbWidth), height: Int(thumbHeight), type: format.mediaType))
        }
    }

    private static func takeError() -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        buffer.withUnsafeMutableBufferPointer { sb_vips_take_error($0.baseAddress, $0.count) }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.split(separator: "\n").first.map(String.init) ?? "libvips error"
    }
}
