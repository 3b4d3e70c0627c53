import Foundation
import SwitchboardServiceKit

/// Media-specific configuration, beyond ``ServiceConfiguration`` (read once at start; an
/// invalid value stops the service with one line naming the variable, never its value):
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_MEDIA_STORE_PATH` | `./media-store`: the content-addressed store (created at start; must be a writable directory) |
/// | `SWITCHBOARD_MEDIA_MAX_BYTES` | `5242880` (5 MiB; 1 KiB–100 MiB): largest media item, enforced while streaming |
/// | `SWITCHBOARD_MEDIA_FETCH_TIMEOUT_SECONDS` | `20` (1–300): one fetch attempt, redirects included |
/// | `SWITCHBOARD_MEDIA_ALLOWED_HOSTS` | empty: comma-separated host names, addresses or CIDR networks the fetcher may reach although not public (e.g. `127.0.0.1` in tests) |
/// | `SWITCHBOARD_MEDIA_CREDENTIALS` | empty: JSON `{"<channel>": {"user": "...", "password": "...", "origins": ["https://api.twilio.com"]}}`, HTTP basic credentials per channel, sent only to a URL on one of its origins (``MediaCredentials``) |
/// | `SWITCHBOARD_MEDIA_THUMBNAIL_SIZE` | `160` (16–1024): thumbnails fit this square |
/// | `SWITCHBOARD_MEDIA_THUMBNAIL_FORMAT` | `jpeg` (`jpeg` or `webp`) |
/// | `SWITCHBOARD_MEDIA_MAX_PIXELS` | `50000000` (1–1000000000): width × height × pages above which an image is refused before decoding |
struct MediaSettings: Sendable {
    var storePath: String = "./media-store"
    var maxBytes: Int = 5 << 20
    var fetchTimeout: Duration = .seconds(20)
    var addressPolicy = AddressPolicy()
    var credentials: [String: MediaCredentials] = [:]
    var thumbnailSize: Int = 160
    var thumbnailFormat: ThumbnailFormat = .jpeg
    var maxPixels: Int = 50_000_000
    /// Fetch attempts for 5xx answers, timeouts and connection failures.
    var fetchAttempts: Int = 3

    enum ThumbnailFormat: String, Sendable {
        case jpeg, webp

        var mediaType: MediaType { self == .jpeg ? .jpeg : .webp }
    }

    init() {}

    init(environment: EnvironmentVariables) throws(ConfigurationError) {
        storePath = environment.string("SWITCHBOARD_MEDIA_STORE_PATH", default: "./media-store")
        maxBytes = try environment.int("SWITCHBOARD_MEDIA_MAX_BYTES", default: 5 << 20, in: 1024...(100 << 20))
        fetchTimeout = .seconds(try environment.int("SWITCHBOARD_MEDIA_FETCH_TIMEOUT_SECONDS", default: 20, in: 1...300))
        do {
            addressPolicy = try AddressPolicy(allowList: environment.string("SWITCHBOARD_MEDIA_ALLOWED_HOSTS", default: ""))
        } catch {
            throw .invalid(
                variable: "SWITCHBOARD_MEDIA_ALLOWED_HOSTS", reason: "\"\(error.entry)\" is neither a host name, an address nor a CIDR network")
        }
        let credentialsText = environment.string("SWITCHBOARD_MEDIA_CREDENTIALS", default: "")
        if !credentialsText.isEmpty {
            let written: [String: MediaCredentials.Written]
            do {
                written = try JSONDecoder().decode([String: MediaCredentials.Written].self, from: Data(credentialsText.utf8))
            } catch {
                // Never the value: it holds passwords.
                throw .invalid(
                    variable: "SWITCHBOARD_MEDIA_CREDENTIALS",
                    reason: #"expected JSON {"<channel>": {"user": "...", "password": "...", "origins": ["https://..."]}}"#)
            }
            for (channel, entry) in written.sorted(by: { $0.key < $1.key }) {
                do {
                    credentials[channel] = try MediaCredentials(entry)
                } catch {
                    throw .invalid(variable: "SWITCHBOARD_MEDIA_CREDENTIALS", reason: "channel \"\(channel)\": \(error)")
                }
            }
        }
        thumbnailSize = try environment.int("SWITCHBOARD_MEDIA_THUMBNAIL_SIZE", default: 160, in: 16...1024)
        let format = try environment.choice("SWITCHBOARD_MEDIA_THUMBNAIL_FORMAT", default: "jpeg", allowed: ["jpeg", "webp"])
        thumbnailFormat = ThumbnailFormat(rawValue: format) ?? .jpeg
        maxPixels = try environment.int("SWITCHBOARD_MEDIA_MAX_PIXELS", default: 50_000_000, in: 1...1_000_000_000)
    }
}
