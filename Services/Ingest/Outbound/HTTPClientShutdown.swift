import ServiceLifecycle

/// Shuts ingest's HTTP client down when the service stops (after the sender, which runs
/// later in the group and so stops first).
struct HTTPClientShutdown: Service {
    let client: CarrierHTTPClient

    func run() async throws {
        // Returns at graceful shutdown or cancellation, either way the end of the service.
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
