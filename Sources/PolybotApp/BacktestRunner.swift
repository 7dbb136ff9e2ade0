import Foundation
import Logging
import Metrics
import PolybotAPI
import PolybotCore
import PolybotStore

/// Runs backtests for the API on the daemon's stored history (every stored trade, the markets table's resolutions
/// with their times), one at a time, and stores each report in `backtest_runs`. The run itself is the CLI's
/// (``BacktestCommand``): the same walk-forward scoring, pipeline, fees and baselines.
package actor BacktestRunner {
    let config: AppConfiguration
    let store: PolybotStore
    let logger: Logger
    let now: @Sendable () -> Int64
    private var running: Int64?

    /// The most trades a stored-history backtest reads.
    package static let maxTrades = 5_000_000

    /// Creates the runner.
    package init(
        config: AppConfiguration, store: PolybotStore, logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }  // clock-edge: run timestamps
    ) {
        self.config = config
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// The API's port.
    package nonisolated var control: BacktestControl {
        BacktestControl { request, actor in try await self.start(request, actor: actor) }
    }

    /// Validates and records a run, then runs it in the background. Returns its id.
    ///
    /// - Throws: ``BacktestRefused`` for bad options or when a run is in progress; database errors.
    package func start(_ request: BacktestRequest, actor: String) async throws -> Int64 {
        if let running { throw BacktestRefused.busy("backtest #\(running) is still running") }
        var options: BacktestCommand.Options
        do {
            options = try BacktestCommand.options(
                trades: "stored history", markets: "stored history", from: nil, to: nil,
                rescoreEvery: request.rescoreEvery ?? "1d", basket: request.basket ?? "top:10",
                minMembers: request.minMembers ?? 2, minNotional: request.minNotional, fees: request.fees ?? "2026",
                baselines: request.baselines ?? true, seed: 2026)
        } catch let e as ReplayError {
            throw BacktestRefused.invalid("\(e)")
        }
        // Inside the daemon a backtest shares the machine with live trading: one core, as before.
        options.concurrent = false
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let params = String(decoding: try e.encode(request), as: UTF8.self)
        let id = try await store.backtests.start(source: "stored history", startedBy: actor, params: params, at: now())
        running = id
        Task { await self.execute(id: id, options: options) }
        return id
    }

    private func execute(id: Int64, options: BacktestCommand.Options) async {
        let outcome: String
        do {
            let all = try await store.trades.all(limit: Self.maxTrades)
            let resolutions = try await store.markets.resolutions()
            guard !all.isEmpty else { throw ReplayError.badArgument("no stored trades to backtest") }
            guard resolutions.values.contains(where: { $0.resolvedAt != nil }) else {
                throw ReplayError.badArgument(
                    "no stored market has a resolution time: nothing could be judged point in time")
            }
            let report = try await BacktestCommand.run(
                config: config, options: options, all: all, resolutions: resolutions, logger: logger)
            try await store.backtests.complete(
                id: id, report: BacktestCommand.json(report), verdict: report.verdict,
                edgeSignificant: report.edgeSignificant, at: now())
            outcome = "completed"
            logger.notice(
                "backtest completed", metadata: ["backtest.id": "\(id)", "backtest.verdict": "\(report.verdict)"])
        } catch {
            outcome = "failed"
            logger.error("backtest failed", metadata: ["backtest.id": "\(id)", "backtest.error": "\(error)"])
            do {
                try await store.backtests.fail(id: id, error: "\(error)", at: now())
            } catch {
                logger.error(
                    "could not record the backtest's failure",
                    metadata: ["backtest.id": "\(id)", "backtest.error": "\(error)"])
            }
        }
        Counter(label: "backtest.runs", dimensions: [("outcome", outcome)]).increment()
        running = nil
    }
}
