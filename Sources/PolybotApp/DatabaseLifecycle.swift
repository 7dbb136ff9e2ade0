import Foundation
import Logging
import PolybotStore
import PostgresNIO

/// Opens the database the configuration names: the `DATABASE_URL` server, or an embedded cluster in
/// `POLYBOT_DATA_DIR/pg` that this process starts and later stops.
package struct DatabaseLifecycle: Sendable {
    /// The client configuration to connect with.
    package let clientConfiguration: PostgresClient.Configuration
    /// The embedded cluster, when one was started.
    package let embedded: EmbeddedPostgres?
    /// A log-safe description of the target.
    package let target: String

    /// Starts the embedded cluster if needed and prepares the client configuration.
    ///
    /// - Parameter throwaway: the embedded cluster is removed after the run (replay, backtest): it skips fsync, so a
    ///   commit does not wait for the disk. A crash loses it either way.
    /// - Throws: ``EmbeddedPostgres/Failure`` when the embedded cluster cannot start.
    package static func open(
        _ config: AppConfiguration, throwaway: Bool = false, logger: Logger
    ) async throws -> DatabaseLifecycle {
        if let url = config.databaseURL {
            return DatabaseLifecycle(clientConfiguration: url.clientConfiguration(), embedded: nil, target: "\(url)")
        }
        let pg = try EmbeddedPostgres.start(
            EmbeddedPostgres.Options(
                dataDirectory: config.dataDirectory + "/pg", database: "postgres", durable: !throwaway), logger: logger)
        let configuration = DatabaseURL.make(
            host: "127.0.0.1", port: pg.port, username: "postgres", password: nil, database: "polybot", tls: .disable)
        // The application database lives beside the maintenance one; create it on first start.
        let admin = PostgresClient(
            configuration: DatabaseURL.make(
                host: "127.0.0.1", port: pg.port, username: "postgres", password: nil, database: "postgres",
                tls: .disable
            ).clientConfiguration())
        try await admin.whileRunning { admin in try await DatabaseAdmin.ensure("polybot", on: admin, logger: logger) }
        return DatabaseLifecycle(
            clientConfiguration: configuration.clientConfiguration(), embedded: pg,
            target: "embedded \(pg.dataDirectory) (port \(pg.port))")
    }

    /// Stops the embedded cluster, if this process started one.
    package func close(logger: Logger) {
        guard let embedded else { return }
        do { try embedded.stop(logger: logger) } catch {
            logger.error("failed to stop embedded PostgreSQL", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` with a running client, then shuts the client down.
    package func withClient<T: Sendable>(
        logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        return try await client.whileRunning(body)
    }

    /// A migration runner over the embedded migrations (or the folder `POLYBOT_MIGRATIONS_DIR` names).
    package static func migrationRunner(
        _ config: AppConfiguration, client: PostgresClient, logger: Logger
    ) throws -> MigrationRunner {
        try MigrationRunner(
            migrations: try MigrationRunner.resolve(folder: config.migrationsDirectory), client: client, logger: logger)
    }
}
