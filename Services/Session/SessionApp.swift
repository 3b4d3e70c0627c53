import SwitchboardServiceKit

/// `session`: turns inbound messages into interactions with their transcripts and serves
/// them to agent desktops.
@main
struct SessionApp {
    static func main() async throws {
        try await ServiceMain.run(Session.self)
    }
}
