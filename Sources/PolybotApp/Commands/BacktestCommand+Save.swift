import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore

extension BacktestCommand {
    /// Runs the backtest and stores it in the configured database's `backtest_runs` (recorded as running first, then
    /// completed with its report or failed with its error), so the dashboard shows it. Returns the report and run id.
    ///
    /// - Throws: database errors (pending migrations included) and the run's own errors (after recording them).
    package static func runAndSave(
        config: AppConfiguration, options: Options, source: String, logger: Logger
    ) async throws -> (Report, Int64) {
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        return try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            guard pending.isEmpty else { throw MigrationError.pending(pending.map(\.name)) }
            let store = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
            let params =
                "{\"file\":\(jsonString(options.tradesPath)),\"markets\":\(jsonString(options.marketsPath)),"
                + "\"rescoreEverySeconds\":\(options.rescoreEverySeconds),\"basket\":\(jsonString(options.rule.description)),"
                + "\"minMembers\":\(options.minMembers),\"fees\":\(jsonString(options.feesLabel))}"
            let id = try await store.backtests.start(
                source: source, startedBy: "cli", params: params, at: Int64(Date().timeIntervalSince1970))
            do {
                let report = try await run(config: config, options: options, logger: logger)
                try await store.backtests.complete(
                    id: id, report: json(report), verdict: report.verdict, edgeSignificant: report.edgeSignificant,
                    at: Int64(Date().timeIntervalSince1970))
                return (report, id)
            } catch {
                try await store.backtests.fail(id: id, error: "\(error)", at: Int64(Date().timeIntervalSince1970))
                throw error
            }
        }
    }
}
