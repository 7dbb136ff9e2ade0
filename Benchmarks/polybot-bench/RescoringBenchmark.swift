import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import PostgresNIO

/// Nightly rescoring end to end over generated trades (no Data API backfill: the history is already stored): the
/// night before the end (a full fold, saving its checkpoint), then the last day's trades stored and the night at the
/// end timed twice — continuing the checkpoint (incremental) and `rescore --full` (a full fold of the whole history).
/// Markets resolve one after another across the history, so the nights test edges as well as fold trades.
enum RescoringBenchmark {
    /// The markets of a generator, resolving evenly across `[start, start + span]`.
    static func markets(_ g: TradeHistoryGenerator, span: Int64? = nil) -> [MarketInfo] {
        let n = Int64(g.markets.count)
        let span = span ?? g.options.span
        return g.markets.enumerated().map { i, m in
            MarketInfo(
                conditionId: m.conditionId, question: m.question, slug: m.slug, eventSlug: m.eventSlug,
                outcomes: ["Yes", "No"], tokenIds: m.tokens, closed: true, winningToken: m.tokens[m.winner],
                resolvedAt: g.options.start + span * Int64(i + 1) / (n + 1))
        }
    }

    /// A rescoring job over the store with nothing to discover (every trading wallet tracked beforehand).
    static func job(_ store: PolybotStore) -> RescoringJob {
        var config = RescoringJob.Configuration()
        config.chunkSize = 2_500
        config.leaderboardCandidates = 0
        config.candidateMinNotional = Micros(Int64.max)
        var logger = Logger(label: "bench.rescore")
        logger.logLevel = ProcessInfo.processInfo.environment["BENCH_LOG"] == nil ? .warning : .info
        return RescoringJob(store: store, dataAPI: nil, gamma: nil, configuration: config, logger: logger)
    }

    static func run(trades count: Int, wallets: Int) async throws -> [BenchResult] {
        let generator = TradeHistoryGenerator(options: .init(trades: count, wallets: wallets, seed: 9))
        let trades: [Trade] = {
            var all: [Trade] = []
            all.reserveCapacity(count + count / 5)
            generator.generate { all.append($0) }
            return all
        }()
        let end = generator.options.start + generator.options.span
        let night = end - 86_400
        return try await withTestDatabase { store, _ in
            let before = trades.filter { $0.timestamp < night }
            let lastDay = trades.filter { $0.timestamp >= night }
            for start in stride(from: 0, to: before.count, by: 50_000) {
                _ = try await store.trades.insertBatch(Array(before[start..<min(start + 50_000, before.count)]))
            }
            try await store.markets.upsert(markets(generator))
            try await store.benchmarkSeeds.trackEveryTradingWallet()
            let job = job(store)
            _ = try await job.run(trigger: .scheduled, now: night)
            _ = try await store.trades.insertBatch(lastDay)
            var clock = ContinuousClock.now
            let incremental = try await job.run(trigger: .scheduled, now: end)
            let incrementalSeconds = (ContinuousClock.now - clock).seconds
            clock = ContinuousClock.now
            let full = try await job.run(trigger: .manual, now: end, full: true)
            let fullSeconds = (ContinuousClock.now - clock).seconds
            guard incremental.fold.hasPrefix("incremental"), full.fold.hasPrefix("full") else {
                throw BenchFailure("rescore: folds were \(incremental.fold) and \(full.fold)")
            }
            return [
                BenchResult(
                    name: "nightly rescoring, full fold (load, score, snapshot)", value: fullSeconds, unit: "s",
                    target: 20,
                    note:
                        "rescore --full: \(full.tradesFolded) trades, \(full.scored) wallets, markets resolving across the 30 days",
                    lowerIsBetter: true),
                BenchResult(
                    name: "nightly rescoring, incremental", value: incrementalSeconds, unit: "s", target: nil,
                    note:
                        "\(incremental.tradesFolded) new trades (the last day) on a \(full.tradesFolded)-trade history, \(incremental.scored) wallets, from the previous night's checkpoint",
                    lowerIsBetter: true),
            ]
        }
    }
}

/// A benchmark that could not measure what it names.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
