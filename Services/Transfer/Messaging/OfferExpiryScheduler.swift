import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Expires offers nobody answered within `SWITCHBOARD_OFFER_TIMEOUT`: each `pending` offer
/// whose `expires_at` passed becomes `expired` (`offer.expired`), once, and goes to the next
/// agent (route) or back to the source with a notification (transfer), however many
/// `transfer` instances run and whatever restarts happen.
///
/// The timers are the rows (`offers.expires_at` where `state = 'pending'`, partial index
/// `offers_due`), so they survive restarts. Like the callback scheduler: its ``DeadlineLoop``
/// sleeps until the earliest expiry, at most 500 ms, so an offer made by another instance is
/// seen promptly; then, in one transaction, it takes the routing lock, claims expired offers with
/// `FOR UPDATE SKIP LOCKED` by the database's clock and expires them
/// (``TransferCommands/expireDue(limit:on:)``). A crash before the commit rolls everything
/// back (the offers are still pending for the next pass); after it they are final. The
/// routing lock is taken only when something is due, so an idle scheduler does not contend
/// with requests.
struct OfferExpiryScheduler: DueTimer {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let store: PostgresTransferStore
    let commands: TransferCommands
    let logger: Logger

    func secondsUntilNext() async throws -> Double? {
        try await store.secondsUntilNextExpiry(client: client, logger: logger)
    }

    func fireDue(limit: Int) async throws -> Int {
        guard let seconds = try await secondsUntilNext(), seconds <= 0 else { return 0 }
        return try await outbox.transaction(on: client, logger: logger) { connection in
            try await commands.expireDue(limit: limit, on: connection)
        }.count
    }
}
