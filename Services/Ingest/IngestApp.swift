import SwitchboardServiceKit

/// `ingest`: accepts inbound SMS/MMS from queues and HTTP, validates and normalises
/// them, de-duplicates on (channel, carrier id), stores them and emits `message.received`.
@main
struct IngestApp {
    static func main() async throws {
        try await ServiceMain.run(Ingest.self)
    }
}
