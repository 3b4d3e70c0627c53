import SwitchboardServiceKit

/// `media`: MMS media fetching, storage and thumbnails.
@main
struct MediaApp {
    static func main() async throws {
        try await ServiceMain.run(Media.self)
    }
}
