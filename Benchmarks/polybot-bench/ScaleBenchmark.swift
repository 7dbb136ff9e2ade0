import Foundation
import Logging
import PolybotCore
import PolybotPipeline
import PolybotStore
import PolybotTestSupport
import PolymarketSim
import PostgresNIO

/// Issue 32's scale benchmark: a generated history of about `count` trades over 20 days (≈ 3 weeks of today's whole
/// market at 1M trades a day) loaded through the store's batch insert, the night at day 20 folded in full (saving its
/// checkpoint), one more day of trades stored, and the next night timed as it runs — continuing the checkpoint. Then
/// the API's p99 on that database (wrk), and the trades table's size on disk per million trades.
///
/// The same wallets trade every day; markets run a week (each week's are new, resolving across that week and the
/// next), so nights see resolutions, open positions and new markets, as a real history does.
enum ScaleBenchmark {
    static let days = 20

    /// Day `d`'s trades: the day generator's, on that day's week's markets, in transactions of their own.
    static func day(_ g: TradeHistoryGenerator, _ d: Int) -> [Trade] {
        var out: [Trade] = []
        out.reserveCapacity(g.options.trades + g.options.trades / 5)
        g.generate { t in
            var t = t
            t.transactionHash = "0x" + String(format: "%04x", d) + t.transactionHash.dropFirst(6)
            t.conditionId = week(t.conditionId, d / 7)
            t.asset = String(d / 7 + 1) + t.asset.dropFirst()
            t.eventSlug += "-w\(d / 7)"
            out.append(t)
        }
        return out
    }

    static func week(_ conditionId: String, _ w: Int) -> String {
        "0x" + String(format: "%02x", w) + conditionId.dropFirst(4)
    }

    static func generator(day d: Int, tradesPerDay: Int, wallets: Int, start: Int64) -> TradeHistoryGenerator {
        TradeHistoryGenerator(
            options: .init(
                trades: tradesPerDay, wallets: wallets, markets: 3_000, seed: 9, start: start + Int64(d) * 86_400,
                span: 86_400))
    }

    static func run(count: Int, wallets: Int, seconds: Int) async throws -> [BenchResult] {
        let start: Int64 = 1_780_000_000
        let perDay = max(1, count / days)
        var quiet = Logger(label: "bench.scale")
        quiet.logLevel = .error
        let logger = quiet
        return try await withTestDatabase { store, _ in
            // Load, a day at a time (a day's trades are generated in memory, then stored in batches of 50,000).
            var loaded = 0
            var loadSeconds = 0.0
            func load(day d: Int) async throws -> Int {
                let trades = day(generator(day: d, tradesPerDay: perDay, wallets: wallets, start: start), d)
                let clock = ContinuousClock.now
                for i in stride(from: 0, to: trades.count, by: 50_000) {
                    _ = try await store.trades.insertBatch(Array(trades[i..<min(i + 50_000, trades.count)]))
                }
                loadSeconds += (ContinuousClock.now - clock).seconds
                return trades.count
            }
            for d in 0..<days { loaded += try await load(day: d) }
            let loadRate = Double(loaded) / loadSeconds
            // Markets: each week's, resolving across that week and the next.
            let g = generator(day: 0, tradesPerDay: perDay, wallets: wallets, start: start)
            var markets: [MarketInfo] = []
            for w in 0...(days / 7) {
                for var m in RescoringBenchmark.markets(g, span: 14 * 86_400) {
                    m.conditionId = week(m.conditionId, w)
                    m.tokenIds = m.tokenIds.map { String(w + 1) + $0.dropFirst() }
                    m.winningToken = m.winningToken.map { String(w + 1) + $0.dropFirst() }
                    m.eventSlug += "-w\(w)"
                    m.resolvedAt = m.resolvedAt.map { $0 + Int64(w) * 7 * 86_400 }
                    markets.append(m)
                }
            }
            try await store.markets.upsert(markets)
            try await store.benchmarkSeeds.trackEveryTradingWallet()
            let job = RescoringBenchmark.job(store)
            let night = start + Int64(days) * 86_400
            var clock = ContinuousClock.now
            let first = try await job.run(trigger: .scheduled, now: night)
            let fullSeconds = (ContinuousClock.now - clock).seconds
            let newTrades = try await load(day: days)
            clock = ContinuousClock.now
            let next = try await job.run(trigger: .scheduled, now: night + 86_400)
            let incrementalSeconds = (ContinuousClock.now - clock).seconds
            guard next.fold.hasPrefix("incremental") else {
                throw BenchFailure("scale: the next night was \(next.fold)")
            }
            let bytes = try await store.benchmarkSeeds.tableBytes("whale_trades")
            let total = loaded + newTrades
            let history = "\(loaded.formatted()) trades over \(days) days, \(wallets.formatted()) wallets"
            var out = [
                BenchResult(
                    name: "scale: load through the store", value: loadRate, unit: "rows/s", target: nil,
                    note: "\(history); batch insert of 50,000 with natural-key dedupe and source tracking",
                    lowerIsBetter: false),
                BenchResult(
                    name: "scale: full fold (first night)", value: fullSeconds, unit: "s", target: nil,
                    note: "\(first.tradesFolded.formatted()) trades, \(first.scored.formatted()) wallets scored",
                    lowerIsBetter: true),
                BenchResult(
                    name: "scale: incremental nightly rescoring", value: incrementalSeconds, unit: "s", target: 15,
                    note:
                        "\(next.tradesFolded.formatted()) new trades on a \(loaded.formatted())-trade history, \(next.scored.formatted()) wallets; \(next.fold)",
                    lowerIsBetter: true),
                BenchResult(
                    name: "scale: trades on disk", value: Double(bytes) / 1_048_576 / (Double(total) / 1_000_000),
                    unit: "MiB per million trades", target: nil,
                    note: "pg_total_relation_size(whale_trades) with its indexes, \(total.formatted()) trades",
                    lowerIsBetter: true),
            ]
            let profile = g.wallets[0].address.hex
            out += try await APILoadBenchmark.serving(store, logger: logger) { base, token, _, _ in
                var lines: [BenchResult] = []
                for (name, path) in [
                    ("overview", "/api/v1/overview"), ("whales", "/api/v1/whales?limit=50&sort=lowerBound"),
                    ("leaderboard", "/api/v1/leaderboard"), ("profile", "/api/v1/whales/\(profile)/profile"),
                ] {
                    _ = try APILoadBenchmark.wrk(url: base + path, token: token, seconds: 4, connections: 1)
                    let r = try APILoadBenchmark.wrk(url: base + path, token: token, seconds: seconds)
                    lines.append(
                        BenchResult(
                            name: "scale: GET \(name) p99", value: r.p99, unit: "ms", target: 20,
                            note:
                                "\(total.formatted())-trade database; wrk -t2 -c16 \(seconds)s after a 4 s warm-up; \(Int(r.rps)) req/s, p50 \(String(format: "%.2f", r.p50)) ms",
                            lowerIsBetter: true))
                }
                return lines
            }
            return out
        }
    }
}
