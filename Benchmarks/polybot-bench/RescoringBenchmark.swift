import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import PostgresNIO

/// Nightly rescoring end to end over 1,000,000 generated trades and 50,000 wallets: load from PostgreSQL,
/// compute, write snapshots (no Data API backfill: the history is already stored).
enum RescoringBenchmark {
    static func run(trades count: Int, wallets: Int) async throws -> BenchResult {
        let generator = TradeHistoryGenerator(options: .init(trades: count, wallets: wallets, seed: 9))
        var generated: [Trade] = []
        generated.reserveCapacity(count + count / 10)
        generator.generate { generated.append($0) }
        let trades = generated
        let markets = generator.markets.map { m in
            MarketInfo(
                conditionId: m.conditionId, question: m.question, slug: m.slug, eventSlug: m.eventSlug,
                outcomes: ["Yes", "No"],
                tokenIds: m.tokens, closed: true, winningToken: m.tokens[m.winner],
                resolvedAt: generator.options.start + generator.options.span)
        }
        return try await withTestDatabase { store, _ in
            var i = 0
            while i < trades.count {
                _ = try await store.trades.insertBatch(Array(trades[i..<min(i + 50_000, trades.count)]))
                i += 50_000
            }
            try await store.markets.upsert(markets)
            try await store.benchmarkSeeds.trackEveryTradingWallet()
            var config = RescoringJob.Configuration()
            config.chunkSize = 2_500
            config.leaderboardCandidates = 0
            let job = RescoringJob(
                store: store, dataAPI: nil, gamma: nil, configuration: config, logger: Logger(label: "bench.rescore"))
            let start = ContinuousClock.now
            let report = try await job.run(trigger: .manual, now: generator.options.start + generator.options.span)
            let seconds = (ContinuousClock.now - start).seconds
            return BenchResult(
                name: "nightly rescoring end to end (load, score, snapshot)", value: seconds, unit: "s",
                target: 60, note: "\(report.scored) wallets, \(trades.count) trades, chunks of 2,500 wallets",
                lowerIsBetter: true)
        }
    }
}
