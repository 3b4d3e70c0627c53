import AsyncHTTPClient
import NIOConcurrencyHelpers

/// Ingest's HTTP client for carrier APIs, made on first use and shut down by
/// ``HTTPClientShutdown`` when the service stops. Made lazily so that a service built but
/// never run (the router tests) leaves no client to shut down: async-http-client traps on a
/// client dropped without `shutdown()`.
final class CarrierHTTPClient: Sendable {
    private let box = NIOLockedValueBox<HTTPClient?>(nil)
    private let connectionsPerHost: Int

    /// - Parameter connectionsPerHost: at least the messages a replica sends at once.
    init(connectionsPerHost: Int) {
        self.connectionsPerHost = connectionsPerHost
    }

    var client: HTTPClient {
        box.withLockedValue { client in
            if let client { return client }
            let made = AsyncHTTPCarrierTransport.makeClient(connectionsPerHost: connectionsPerHost)
            client = made
            return made
        }
    }

    func shutdown() async throws {
        let made = box.withLockedValue { client -> HTTPClient? in
            defer { client = nil }
            return client
        }
        try await made?.shutdown()
    }
}
