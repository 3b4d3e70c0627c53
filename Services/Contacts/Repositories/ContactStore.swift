import Foundation
import Logging
import PostgresNIO

/// Contacts, their phones and emails, and merge audit records, behind a protocol so the
/// rules can be tested without a database. Changes run on the caller's connection inside
/// the caller's transaction (with their outbox events, and for consumers the inbox record).
protocol ContactStore: Sendable {
    func insert(_ contact: ContactSnapshot, on connection: PostgresConnection, logger: Logger) async throws
    /// Writes the contacts' rows and replaces their phones and emails; the phones and emails
    /// of every contact given are removed first, so one can move from one to another.
    func save(_ contacts: [ContactSnapshot], on connection: PostgresConnection, logger: Logger) async throws
    /// The contacts locked for update (`FOR UPDATE`, in id order, so two merges never deadlock).
    func lock(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: ContactSnapshot]
    func contact(id: UUID, client: PostgresClient, logger: Logger) async throws -> ContactSnapshot?
    /// The contact owning each of `phones` that has one.
    func phoneOwners(_ phones: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: UUID]
    func emailOwners(_ emails: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: UUID]
    /// Serialises, until commit, the transactions that meet over one phone number: a new
    /// interaction looking its number up, and a contact gaining that number and looking for
    /// its open interactions. Without it each can miss the other's uncommitted row and the
    /// interaction is never identified. Several numbers: take them in sorted order.
    func lockPhone(_ phone: String, on connection: PostgresConnection, logger: Logger) async throws
    /// ``lockPhone(_:on:logger:)`` for several numbers in one statement, in sorted order.
    func lockPhones(_ phones: [String], on connection: PostgresConnection, logger: Logger) async throws
    /// The active contact with this phone, locked (`FOR SHARE`), or nil.
    func contact(withPhone phone: String, on connection: PostgresConnection, logger: Logger) async throws -> ContactSnapshot?
    func search(_ filter: ContactFilter, client: PostgresClient, logger: Logger) async throws -> ContactPage
    /// Erases the personal data of the contacts merged (directly or through others) into `id`
    /// and the merge records naming it, whose snapshots hold personal data.
    func erase(mergedInto id: UUID, at: Date, on connection: PostgresConnection, logger: Logger) async throws

    func insertMerge(_ audit: MergeAudit, on connection: PostgresConnection, logger: Logger) async throws
    func lockMerge(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> MergeAudit?
    func markUndone(_ id: UUID, at: Date, by agent: String, on connection: PostgresConnection, logger: Logger) async throws
}
