import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import Testing

/// Issue 32: the nightly job folds only what arrived since the last run, and `rescore --full` gives the same snapshots.
@Suite("Incremental nightly rescoring")
struct IncrementalRescoringTests {
    let logger = Logger(label: "test.rescore.incremental")

    /// Every wallet of `trades` tracked, and a job over them reading history in pages of `pageSize` (no candidates).
    func tracking(_ trades: [Trade], in store: PolybotStore, pageSize: Int) async throws -> RescoringJob {
        for w in Set(trades.map(\.wallet)) { try await store.whales.upsert(Whale(address: w, tracked: true)) }
        var config = RescoringJob.Configuration()
        config.leaderboardCandidates = 0
        config.candidateMinNotional = Micros(Int64.max)
        config.historyPageSize = pageSize
        return RescoringJob(store: store, dataAPI: nil, gamma: nil, configuration: config, logger: logger)
    }

    @Test func theNextNightFoldsOnlyNewTradesAndAgreesWithAFullReFold() async throws {
        var options = TradeHistoryGenerator.Options(
            trades: 20_000, wallets: 100, markets: 50, seed: 32, informedShare: 0.1)
        options.marketsPerEvent = 1
        let g = TradeHistoryGenerator(options: options)
        let trades: [Trade] = {
            var all: [Trade] = []
            g.generate { all.append($0) }
            return all
        }()
        let n = Int64(g.markets.count)
        let markets = g.markets.enumerated().map { i, m in
            MarketInfo(
                conditionId: m.conditionId, question: m.question, slug: m.slug, eventSlug: m.eventSlug,
                outcomes: ["Yes", "No"], tokenIds: m.tokens, closed: true, winningToken: m.tokens[m.winner],
                resolvedAt: g.options.start + g.options.span * Int64(i + 1) / (n + 1))
        }
        let t0 = g.options.start + g.options.span * 2 / 3 + 123
        let t1 = t0 + 86_400
        try await withTestDatabase { store, _ in
            _ = try await store.trades.insertBatch(trades.filter { $0.timestamp < t0 })
            try await store.markets.upsert(markets)
            // Small pages: the walk's page boundaries, the carried second and the prefetch are all exercised.
            let job = try await tracking(trades, in: store, pageSize: 997)

            let first = try await job.run(trigger: .scheduled, now: t0)
            #expect(first.fold == "full re-fold (no checkpoint)")
            #expect(first.tradesFolded > 0)
            let newTrades = trades.filter { $0.timestamp >= t0 && $0.timestamp < t1 }
            _ = try await store.trades.insertBatch(newTrades + trades.filter { $0.timestamp >= t1 })

            let second = try await job.run(trigger: .scheduled, now: t1)
            #expect(second.fold == "incremental from run \(first.runId)")
            #expect(second.tradesFolded == newTrades.count)
            let third = try await job.run(trigger: .manual, now: t1, full: true)
            #expect(third.fold == "full re-fold (asked for)")
            #expect(third.tradesFolded == trades.filter { $0.timestamp < t1 }.count)

            // Every wallet's snapshot of the incremental run equals the full re-fold's, field for field.
            var compared = 0
            var informed = 0
            for w in Set(trades.map(\.wallet)).sorted() {
                let history = try await store.scores.history(w, limit: 3)
                try #require(history.count == 3)
                var (full, incremental) = (history[0], history[1])
                (full.snapshotId, incremental.snapshotId) = (nil, nil)
                #expect(full == incremental, "wallet \(w)")
                compared += 1
                if full.walletClass == .informed { informed += 1 }
            }
            #expect(compared == 100)
            #expect(informed > 0)

            // A trade stored late, dated before the last run's scoring time: the next run re-folds and says why.
            var late = trades[trades.count / 2]
            late.transactionHash = "0x" + String(repeating: "ab", count: 32)
            late.timestamp = t1 - 10
            #expect(try await store.trades.insertBatch([late]) == 1)
            let fourth = try await job.run(trigger: .scheduled, now: t1 + 86_400)
            #expect(fourth.fold.hasPrefix("full re-fold (trades before run \(third.runId)'s scoring time arrived"))
        }
    }

    /// The score fold runs beside the co-trading test on the clusters known before the run: when the run's own links
    /// change them, the fold is made again on the new clusters (the wash fills of the newly linked pair left out); when
    /// they do not, the fold made beside is kept. Both give the same snapshots.
    @Test func aFoldMadeBesideTheCoTradingTestIsRedoneWhenItsLinksChangeTheClusters() async throws {
        let g = TradeHistoryGenerator(
            options: .init(trades: 5_000, wallets: 60, markets: 30, seed: 33, informedShare: 0.1))
        var trades: [Trade] = []
        g.generate { trades.append($0) }
        let (a, b) = (Fixtures.address(0xA1), Fixtures.address(0xB2))
        let market = g.markets[0]
        func fill(_ w: Address, _ side: TradeSide, shares: Int64, at time: Int64, tx: Int) -> Trade {
            Trade(
                transactionHash: Fixtures.hex32(tx), wallet: w, asset: market.tokens[0],
                conditionId: market.conditionId,
                side: side, size: Micros(shares * 1_000_000), price: Micros(500_000), timestamp: time,
                eventSlug: market.eventSlug, source: .replay)
        }
        // `b` follows every buy of `a` within 10 s (a co-trading link), and the two trade with each other inside one
        // transaction (wash fills once they are linked).
        for i in 0..<40 {
            let at = g.options.start + Int64(i) * 3_600 + 7
            trades.append(fill(a, .buy, shares: 100, at: at, tx: 900_000 + 3 * i))
            trades.append(fill(b, .buy, shares: 100, at: at + 10, tx: 900_001 + 3 * i))
            trades.append(fill(a, .sell, shares: 50, at: at + 100, tx: 900_002 + 3 * i))
            trades.append(fill(b, .buy, shares: 50, at: at + 100, tx: 900_002 + 3 * i))
        }
        let now = g.options.start + g.options.span + 86_400
        try await withTestDatabase { [trades] store, _ in
            #expect(try await store.trades.insertBatch(trades) == trades.count)
            let job = try await tracking(trades, in: store, pageSize: 1_009)
            #expect(try await store.walletLinks.all().isEmpty)
            // No links before: the fold made beside judged no fill a wash; the run's link makes 80 of them one.
            let first = try await job.run(trigger: .scheduled, now: now)
            let linked = try await store.walletLinks.clusters().view(at: now)
            #expect(linked.linked(a, b))
            #expect(first.tradesFolded == trades.count - 80)
            // The link is known before this run: the fold made beside is the one kept.
            let second = try await job.run(trigger: .manual, now: now, full: true)
            #expect(second.tradesFolded == trades.count - 80)
            for w in Set(trades.map(\.wallet)).sorted() {
                let history = try await store.scores.history(w, limit: 2)
                try #require(history.count == 2)
                var (later, earlier) = (history[0], history[1])
                (later.snapshotId, earlier.snapshotId) = (nil, nil)
                #expect(later == earlier, "wallet \(w)")
            }
        }
    }
}
