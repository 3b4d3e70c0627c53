import SwitchboardServiceKit

/// `callback`: scheduled callbacks and their durable due-time timers.
@main
struct CallbackApp {
    static func main() async throws {
        try await ServiceMain.run(Callback.self)
    }
}
