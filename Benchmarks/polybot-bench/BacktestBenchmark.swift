import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolymarketSim

/// Issue 16: `polybot backtest` over about 1,000,000 generated trades and 50,000 wallets with daily rescoring over 30
/// days (walk-forward, no baselines) — file read, the point-in-time fold and its 30 snapshots, the whole pipeline in
/// paper mode with fees — in one timed call. Also the fold alone: 30 daily snapshots against one batch score of the
/// same trades (the incremental fold should cost about one pass, not 30).
enum BacktestBenchmark {
    static func world() -> WorldGenerator {
        var o = WorldGenerator.Options(
            kind: .skilled(edge: 0.1), seed: 21, days: 30, markets: 2_000, noise: 49_300, skilled: 400,
            marketMakers: 150, bots: 150)
        o.noiseTrades = 10...25
        o.skilledTrades = 150...399
        return WorldGenerator(options: o)
    }

    /// - Parameter minNotional: the whale threshold in USDC (`--min-notional`; nil: the default $10,000).
    static func run(minNotional: String? = nil) async throws -> [BenchResult] {
        let w = world()
        let trades = w.trades()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-bench-backtest-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tradesPath = dir.appendingPathComponent("trades.csv").path
        let resolutionsPath = dir.appendingPathComponent("resolutions.csv").path
        try writeTradesCSV(to: tradesPath) { emit in for t in trades { emit(t) } }
        try (w.resolutionRows().joined(separator: "\n") + "\n").write(
            toFile: resolutionsPath, atomically: true, encoding: .utf8)

        // The fold alone: one pass with 30 daily snapshots vs one batch score at the end.
        let end = w.options.start + Int64(w.options.days) * 86_400
        let foldStart = ContinuousClock.now
        var fold = ScoreFold(resolutions: w.resolutions)
        var next = 0
        var informed = 0
        for day in 1...w.options.days {
            let t = w.options.start + Int64(day) * 86_400
            while next < trades.count && trades[next].timestamp < t {
                fold.add(trades[next])
                next += 1
            }
            informed = fold.snapshot(asOf: t).filter { $0.score.walletClass == .informed }.count
        }
        let foldSeconds = (ContinuousClock.now - foldStart).seconds
        let batchStart = ContinuousClock.now
        _ = WalletScoring.scoreAll(trades: trades, resolutions: w.resolutions, now: end)
        let batchSeconds = (ContinuousClock.now - batchStart).seconds

        let config = try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_FIXED_ORDER_USDC": "100",
                    "POLYBOT_MIGRATIONS_DIR": FileManager.default.currentDirectoryPath + "/migrations",
                    "POLYBOT_LOG_LEVEL": "warning",
                ], file: nil))
        let options = try BacktestCommand.options(
            trades: tradesPath, markets: resolutionsPath, from: nil, to: nil, rescoreEvery: "1d", basket: "top:20",
            minMembers: 2, minNotional: minNotional, fees: "2026", baselines: false, seed: 1)
        var logger = Logger(label: "bench.backtest")
        // POLYBOT_LOG_LEVEL=info shows the run's phases with their times.
        logger.logLevel =
            ProcessInfo.processInfo.environment["POLYBOT_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        let start = ContinuousClock.now
        let report = try await BacktestCommand.run(config: config, options: options, logger: logger)
        let seconds = (ContinuousClock.now - start).seconds
        let wallets = Set(trades.map(\.wallet)).count
        let threshold = minNotional.map { "$\($0)" } ?? "$10,000 (the default)"
        // Issue 16's target at the default threshold; issue 32's at $500 (more whale trades, each through the store).
        let target: Double? = minNotional == nil ? 120 : (Double(minNotional ?? "") == 500 ? 60 : nil)
        return [
            BenchResult(
                name:
                    "backtest at a \(minNotional.map { "$\($0)" } ?? "$10,000") whale threshold, \(report.trades) trades, "
                    + "\(wallets) wallets, daily walk-forward rescoring over 30 days",
                value: seconds, unit: "s", target: target,
                note:
                    "\(report.trades) trades, \(wallets) wallets, \(report.rescorings.count) rescorings, basket top:20, "
                    + "whale ≥ \(threshold), 2 must agree, fixed $100: \(report.signals.count) signals, "
                    + "\(report.main.filledEntries) filled; verdict: \(report.verdict)",
                lowerIsBetter: true),
            BenchResult(
                name: "point-in-time fold: 30 daily snapshots vs one batch score", value: foldSeconds / batchSeconds,
                unit: "× one pass", target: nil,
                note: String(
                    format:
                        "fold with 30 snapshots %.1f s, one batch score %.1f s (%d trades, %d wallets; %d informed at the end)",
                    foldSeconds, batchSeconds, trades.count, wallets, informed)),
        ]
    }
}
