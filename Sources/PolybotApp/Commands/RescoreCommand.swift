import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import Polymarket

/// `polybot rescore [--wallet ADDR] [--full]`: runs (or resumes) the nightly rescoring now.
public enum RescoreCommand {
    /// Runs the job against the configured database, Data API and Gamma.
    ///
    /// - Parameters:
    ///   - wallet: score only this wallet (lower-case or checksummed hex).
    ///   - full: re-fold the whole history even when the last run's fold could be continued.
    ///   - progress: called after every chunk with (done, total).
    /// - Returns: a one-line summary.
    public static func run(
        config: AppConfiguration, wallet: String?, full: Bool = false, logger: Logger,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> String {
        var parsed: Address?
        if let wallet {
            guard let a = Address(wallet) else {
                throw RescoreFailure(description: "--wallet \(wallet) is not an address")
            }
            parsed = a
        }
        let only = parsed
        let database = try await DatabaseLifecycle.open(config, logger: logger)
        defer { database.close(logger: logger) }
        let transport = HTTPTransport(logger: logger)
        defer { Task { try? await transport.shutdown() } }
        let dataAPI = DataAPIClient(baseURL: config.dataAPIURL, transport: transport)
        let gamma = GammaClient(baseURL: config.gammaURL, transport: transport)
        return try await database.withClient(logger: logger) { client in
            let runner = try DatabaseLifecycle.migrationRunner(config, client: client, logger: logger)
            let pending = try await runner.pending()
            guard pending.isEmpty else { throw MigrationError.pending(pending.map(\.name)) }
            let store = PolybotStore(client: client, logger: logger, queryLimit: .batchQueryLimit)
            let job = RescoringJob(
                store: store, dataAPI: dataAPI, gamma: gamma, parameters: config.scoringParameters, logger: logger)
            let r = try await job.run(
                trigger: .manual, now: Int64(Date().timeIntervalSince1970), only: only, full: full, progress: progress)
            return
                "run \(r.runId)\(r.resumed ? " (resumed)" : ""): \(r.scored)/\(r.wallets) wallets scored, \(r.backfilledTrades) trades backfilled, "
                + "\(r.promoted.count) promoted, \(r.demoted.count) demoted; \(r.fold), \(r.tradesFolded) trades folded"
        }
    }

    /// A refused invocation.
    public struct RescoreFailure: Error, CustomStringConvertible {
        public var description: String
    }
}
