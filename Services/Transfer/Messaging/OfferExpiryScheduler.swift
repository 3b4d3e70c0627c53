import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardDatabase

/// Expires offers nobody answered within `SWITCHBOARD_OFFER_TIMEOUT`: each `pending` offer
/// whose `expires_at` passed becomes `expired` (`offer.expired`), once, and goes to the next
/// agent (route) or back to the source with a notification (transfer), however many
/// `transfer` instances run and whatever restarts happen.
///
/// The timers are the rows (`offers.expires_at` where `state = 'pending'`, partial index
/// `offers_due`), so they survive restarts. Like the callback scheduler: it sleeps until the
/// earliest expiry, at most `maxSleep` (500 ms), so an offer made by another instance is seen
/// promptly; then, in one transaction, it takes the routing lock, claims expired offers with
/// `FOR UPDATE SKIP LOCKED` by the database's clock and expires them
/// (``TransferCommands/expireDue(limit:on:)``). A crash before the commit rolls everything
/// back (the offers are still pending for the next pass); after it they are final. The
/// routing lock is taken only when something is due, so an idle scheduler does not contend
/// with requests.
struct OfferExpiryScheduler: Service {
    let client: PostgresClient
    let store: any TransferStore
    let commands: TransferCommands
    let gate: @Sendable () async -> Void
    let logger: Logger
    var maxSleep: Duration = .milliseconds(500)
    var batch = 100

    func run() async throws {
        await gate()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var wait = try await store.secondsUntilNextExpiry(client: client, logger: logger)
                    while let seconds = wait, seconds <= 0, !Task.isCancelled {
                        let expired = try await client.withTransaction(logger: logger) { connection in
                            try await commands.expireDue(limit: batch, on: connection)
                        }
                        if expired.count < batch { break }
                        wait = try await store.secondsUntilNextExpiry(client: client, logger: logger)
                    }
                    let next = try await store.secondsUntilNextExpiry(client: client, logger: logger).map { min(max(0, $0), 3600) } ?? 3600
                    try await Task.sleep(for: min(.milliseconds(Int(next * 1000) + 5), maxSleep))
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("offer expiry scheduler failed; retrying", metadata: ["reason": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
