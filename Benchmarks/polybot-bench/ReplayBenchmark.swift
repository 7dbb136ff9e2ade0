import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolymarketSim

/// Issue 15: `polybot replay` of 1,000,000 generated trades (50,000 wallets, 30 days) through the whole pipeline in
/// paper mode on the event-time engine — file read, embedded database, every stage, paper fills with the 2026 fees,
/// the report — in one timed call, as the command runs it. Prints trades/s and how many times faster than real time.
enum ReplayBenchmark {
    static func run(trades count: Int, wallets: Int) async throws -> [BenchResult] {
        let generator = TradeHistoryGenerator(options: .init(trades: count, wallets: wallets, seed: 21))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polybot-bench-replay-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tradesPath = dir.appendingPathComponent("trades.csv").path
        let resolutionsPath = dir.appendingPathComponent("resolutions.csv").path
        try writeTradesCSV(to: tradesPath) { emit in generator.generate { emit($0) } }
        let resolutions =
            [TradeFileWriter.resolutionsHeader]
            + generator.markets.map { TradeFileWriter.resolutionRow($0, resolvedAt: "") }
        try (resolutions.joined(separator: "\n") + "\n").write(
            toFile: resolutionsPath, atomically: true, encoding: .utf8)

        let config = try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_SIZING_MODE": "fixed", "POLYBOT_FIXED_ORDER_USDC": "100",
                    "POLYBOT_MIGRATIONS_DIR": FileManager.default.currentDirectoryPath + "/migrations",
                    "POLYBOT_LOG_LEVEL": "warning",
                ], file: nil))
        // The basket: 20 of the generator's informed wallets (the ones with skill), so signals fire and fill; the
        // whale threshold is the product's default ($10,000).
        let informed = generator.wallets.filter { $0.persona == .informed }.prefix(20).map(\.address.hex)
        let options = try ReplayCommand.options(
            trades: tradesPath, markets: resolutionsPath, speed: "max", wallets: informed, basketSize: 20,
            minMembers: 2, minNotional: nil, timeZone: "UTC")
        var logger = Logger(label: "bench.replay")
        logger.logLevel = .warning
        let start = ContinuousClock.now
        let report = try await ReplayCommand.run(config: config, options: options, logger: logger)
        let seconds = (ContinuousClock.now - start).seconds
        let rate = Double(report.trades) / seconds
        let realTime = Double(generator.options.span) / seconds
        let conditions =
            "\(report.trades) trades (\(count) requested, market makers' exits on top), \(wallets) wallets, "
            + "\(generator.options.span / 86_400) days of market time in \(String(format: "%.1f", seconds)) s; "
            + "basket: 20 of the generator's informed wallets, 2 must agree, whale ≥ $10,000 (the default): "
            + "\(report.signals.count) signals, \(report.fills.count) fills, "
            + "fees \(report.feesTotal) pUSD"
        return [
            BenchResult(
                name: "replay, 1,000,000 generated trades through the whole pipeline (paper, event time)",
                value: seconds, unit: "s", target: 60, note: conditions, lowerIsBetter: true),
            BenchResult(
                name: "replay throughput", value: rate, unit: "trades/s", target: nil,
                note: "same run; \(String(format: "%.0f", realTime))× real time (30 days of trading replayed)"),
        ]
    }
}

enum BenchError: Error {
    case cannotWrite(String)
    case requestFailed(String)
}
