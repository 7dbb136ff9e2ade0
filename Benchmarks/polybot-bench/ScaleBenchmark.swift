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
/// The same wallets trade every day, each day differently; markets run a week (each week's are new, resolving across
/// that week and the next), so nights see resolutions, open positions and new markets, as a real history does.
enum ScaleBenchmark {
    static let days = 20

    /// Day `d`'s trades: a generator of its own (seeded by the day, so no two days repeat), its wallets renamed to
    /// the first day's (the same 100,000 wallets trade every day) and its markets to that week's (a market runs a
    /// week), in transactions of their own.
    static func day(_ d: Int, tradesPerDay: Int, wallets: Int, start: Int64, base: TradeHistoryGenerator) -> [Trade] {
        let g = generator(day: d, tradesPerDay: tradesPerDay, wallets: wallets, start: start)
        var wallet: [Address: Address] = [:]
        for (i, w) in g.wallets.enumerated() { wallet[w.address] = base.wallets[i].address }
        var market: [String: (String, [String: String], String)] = [:]
        for (i, m) in g.markets.enumerated() {
            let b = base.markets[i]
            let tokens = [m.tokens[0]: weekToken(b.tokens[0], d / 7), m.tokens[1]: weekToken(b.tokens[1], d / 7)]
            market[m.conditionId] = (week(b.conditionId, d / 7), tokens, b.eventSlug + "-w\(d / 7)")
        }
        var out: [Trade] = []
        out.reserveCapacity(tradesPerDay + tradesPerDay / 5)
        // The generator's jitter puts a few trades just outside the day; each day stays inside its own window, so
        // "the trades since last night" are exactly the next day's (a trade dated before the night would rewrite the
        // folded history, and the job would rightly refuse to continue).
        let dayStart = start + Int64(d) * 86_400
        g.generate { t in
            var t = t
            t.timestamp = min(max(t.timestamp, dayStart), dayStart + 86_399)
            guard let w = wallet[t.wallet], let (id, tokens, event) = market[t.conditionId], let asset = tokens[t.asset]
            else { return }
            t.wallet = w
            t.conditionId = id
            t.asset = asset
            t.eventSlug = event
            t.transactionHash = "0x" + String(format: "%04x", d) + t.transactionHash.dropFirst(6)
            out.append(t)
        }
        return out
    }

    static func week(_ conditionId: String, _ w: Int) -> String {
        "0x" + String(format: "%02x", w) + conditionId.dropFirst(4)
    }

    static func weekToken(_ token: String, _ w: Int) -> String { String(w + 1) + token.dropFirst() }

    static func generator(day d: Int, tradesPerDay: Int, wallets: Int, start: Int64) -> TradeHistoryGenerator {
        TradeHistoryGenerator(
            options: .init(
                trades: tradesPerDay, wallets: wallets, markets: 3_000, seed: 9 + UInt64(d),
                start: start + Int64(d) * 86_400, span: 86_400))
    }

    static func run(count: Int, wallets: Int, seconds: Int) async throws -> [BenchResult] {
        let start: Int64 = 1_780_000_000
        let perDay = max(1, count / days)
        var quiet = Logger(label: "bench.scale")
        quiet.logLevel = .error
        let logger = quiet
        return try await withTestDatabase { store, _ in
            let g = generator(day: 0, tradesPerDay: perDay, wallets: wallets, start: start)
            // Load, a day at a time (a day's trades are generated in memory, then stored in batches of 50,000).
            var loaded = 0
            var loadSeconds = 0.0
            func load(day d: Int) async throws -> Int {
                let trades = day(d, tradesPerDay: perDay, wallets: wallets, start: start, base: g)
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
            var markets: [MarketInfo] = []
            for w in 0...(days / 7) {
                for var m in RescoringBenchmark.markets(g, span: 14 * 86_400) {
                    m.conditionId = week(m.conditionId, w)
                    m.tokenIds = m.tokenIds.map { weekToken($0, w) }
                    m.winningToken = m.winningToken.map { weekToken($0, w) }
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
            // A night that could not continue is still reported, under a name that says so.
            let continued = next.fold.hasPrefix("incremental")
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
                    name: continued ? "scale: incremental nightly rescoring" : "scale: next night, NOT incremental",
                    value: incrementalSeconds, unit: "s", target: 15,
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
                    var r = try APILoadBenchmark.wrk(url: base + path, token: token, seconds: seconds)
                    // No request answered within wrk's 2 s time-out: no percentile to report, and no pass.
                    if !(r.rps >= 1) { r = (0, .infinity, .infinity) }
                    let cached = name == "leaderboard" || name == "profile" ? "; served from its 15 s cache" : ""
                    lines.append(
                        BenchResult(
                            name: "scale: GET \(name) p99", value: r.p99, unit: "ms", target: 20,
                            note:
                                "\(total.formatted())-trade database; wrk -t2 -c16 \(seconds)s after a 4 s warm-up; \(Int(r.rps)) req/s, p50 \(String(format: "%.2f", r.p50)) ms\(cached)",
                            lowerIsBetter: true))
                }
                // A profile nobody asked for in the last 15 s is built on the request: one request each for 20 wallets.
                var cold: [Double] = []
                for w in g.wallets.dropFirst().prefix(20) {
                    cold.append(
                        try APILoadBenchmark.timedGet(
                            url: base + "/api/v1/whales/\(w.address.hex)/profile", token: token))
                }
                cold.sort()
                lines.append(
                    BenchResult(
                        name: "scale: GET profile, first request of a wallet (median)", value: cold[cold.count / 2],
                        unit: "ms", target: nil,
                        note:
                            "\(total.formatted())-trade database; one request at a time for 20 wallets, none cached; max \(String(format: "%.1f", cold.last ?? 0)) ms",
                        lowerIsBetter: true))
                return lines
            }
            return out
        }
    }
}
