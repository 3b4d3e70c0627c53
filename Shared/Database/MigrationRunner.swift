import Foundation
public import Logging
public import PostgresNIO

/// Applies a service's migrations to its own schema at start-up.
///
/// Runs under a PostgreSQL advisory lock keyed by the schema, so replicas that start
/// together apply each migration exactly once; each migration commits atomically with
/// its row in `<schema>.schema_migrations`.
public struct MigrationRunner: Sendable {
    public let schema: String
    public let migrations: [Migration]

    public init(schema: String, migrations: [Migration]) {
        precondition(schema.allSatisfy { $0.isLetter || $0 == "_" }, "schema names are plain identifiers")
        self.schema = schema
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is missing; returns the versions applied now.
    @discardableResult
    public func run(on client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withConnection { connection in
            let lockKey = "switchboard.migrations.\(schema)"
            try await connection.query("SELECT pg_advisory_lock(hashtext(\(lockKey)))", logger: logger)
            do {
                let applied = try await apply(on: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", logger: logger)
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS \(schema).schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """), logger: logger)
        var done = Set<Int>()
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations"), logger: logger)
        for try await version in rows.decode(Int.self) { done.insert(version) }

        var appliedNow: [Int] = []
        for migration in migrations where !done.contains(migration.version) {
            try await connection.withTransaction(logger: logger) { transaction in
                for statement in migration.statements {
                    try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await transaction.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO \(schema).schema_migrations (version, name) VALUES (\(migration.version), '\(migration.name.replacingOccurrences(of: "'", with: "''"))')
                            """), logger: logger)
            }
            logger.info("migration applied", metadata: ["schema": "\(schema)", "version": "\(migration.version)", "name": "\(migration.name)"])
            appliedNow.append(migration.version)
        }
        return appliedNow
    }

    /// Whether every migration is applied (for `/health/ready`).
    public func isUpToDate(on client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema).schema_migrations"), logger: logger
        )
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count >= migrations.count
    }
}
