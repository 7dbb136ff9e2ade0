import Logging
import PolybotStore

/// `polybot migrate`: applies pending migrations and reports what it did.
public enum MigrateCommand {
    /// Applies pending migrations.
    ///
    /// - Returns: the names of the migrations applied (empty when up to date).
    /// - Throws: ``MigrationError`` and database errors.
    public static func run(config: AppConfiguration, logger: Logger) async throws -> [String] {
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        return try await database.withClient(logger: logger) { client in
            try await DatabaseLifecycle.migrationRunner(config, client: client, logger: logger).apply()
        }
    }
}
