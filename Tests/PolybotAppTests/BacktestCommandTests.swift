import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotTestSupport
import PolymarketSim
import Testing

/// `polybot backtest`: walk-forward on the event-time engine, with no hindsight, baselines and a verdict.
@Suite("polybot backtest")
struct BacktestCommandTests {
    func config() throws -> AppConfiguration {
        try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_FIXED_ORDER_USDC": "50"
                ], file: nil))
    }

    @Test func aLateBloomerJoinsOnlyAfterItBloomsAndEverySignalUsedOnlyThePast() async throws {
        // A small world: 120 no-skill wallets, 20 that beat the price by 25 points only after 30 % of 40 days.
        let world = WorldGenerator(
            options: .init(
                kind: .lateBloomers(edge: 0.25, bloomFraction: 0.3), seed: 11, days: 40, markets: 150, noise: 120,
                skilled: 20, marketMakers: 6, bots: 4))
        let bloom = try #require(world.wallets.compactMap(\.bloomsAt).first)
        let bloomers = Set(world.wallets.filter { $0.bloomsAt != nil }.map(\.address.hex))

        let config = try config()
        let report = try await withWorldFiles(trades: world.trades(), resolutionRows: world.resolutionRows()) {
            trades, markets in
            let options = try BacktestCommand.options(
                trades: trades, markets: markets, from: "2026-01-16", to: nil, rescoreEvery: "1d", basket: "top:8",
                minMembers: 2, minNotional: "150", fees: "2026", baselines: false, seed: 1)
            return try await withThrowawayCluster {
                try await BacktestCommand.run(
                    config: config, options: options, logger: Logger(label: "test.backtest"))
            }
        }

        // No hindsight: nobody is picked before the bloom (nobody had skill), bloomers are picked after it.
        for r in report.rescorings where r.time <= bloom {
            #expect(r.basket.isEmpty, "basket at \(r.time) before the bloom")
        }
        let picked = Set(report.rescorings.flatMap(\.basket))
        // Picked after the bloom: mostly bloomers (BH at q = 0.10 allows about one false discovery in ten).
        let right = picked.intersection(bloomers).count
        print("late-bloomer backtest: picked \(picked.count) wallets, \(right) of them bloomers")
        #expect(
            !picked.isEmpty && Double(right) / Double(picked.count) >= 0.8, "picked \(picked.count), right \(right)")
        // Every signal records the snapshots that made its wallets count, all taken before it.
        #expect(!report.signals.isEmpty)
        for s in report.signals {
            #expect(!s.snapshotIds.isEmpty, "signal \(s.signalId) without snapshots")
            #expect((s.snapshotsAsOf ?? .max) <= s.time, "signal \(s.signalId) used a snapshot from its future")
        }
        // The verdict is the conjunction of its three tests, and the sentence agrees with it.
        let main = report.main
        let t = report.tests
        #expect(report.edgeSignificant == (t.eventTest.significant && t.paired.significant && t.rank.significant))
        #expect(t.rank.baskets == RankTest.minimumBaskets)
        #expect(report.verdict.hasPrefix(report.edgeSignificant ? "edge after fees" : "no evidence of edge"))
        #expect(report.sensitivity.map(\.extraCents) == [1, 3, 5])
        print("late-bloomer backtest: \(report.verdict); signals \(report.signals.count), filled \(main.filledEntries)")
    }

    @Test(.enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
    func nobelReportsBaselinesAndAVerdict() async throws {
        let options = try BacktestCommand.options(
            trades: SharedData.path("nobel2025_trades.data-api.csv"),
            markets: SharedData.path("nobel2025_resolutions.derived.csv"), from: nil, to: nil, rescoreEvery: "30m",
            basket: "top:10", minMembers: 2, minNotional: "1000", fees: "2026", baselines: true, seed: 2026)
        let report = try await withThrowawayCluster {
            try await BacktestCommand.run(
                config: try config(), options: options, logger: Logger(label: "test.backtest"))
        }
        #expect(report.trades == 1_500 && report.rescorings.count >= 7)
        #expect(report.baselines.map(\.name).contains { $0.contains("hindsight") && $0.contains("upper bound") })
        #expect(report.baselines.map(\.name).contains { $0.contains("every whale trade") })
        #expect(report.baselines.map(\.name).contains { $0.contains("random") })
        // The Nobel markets resolve at the end of the file's day: nothing is known before, so no wallet can be chosen.
        #expect(report.rescorings.allSatisfy { $0.basket.isEmpty })
        #expect(!report.edgeSignificant && report.verdict.hasPrefix("no evidence of edge"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(BacktestCommand.json(report).utf8)) as? [String: Any])
        #expect(json["edgeSignificant"] as? Bool == false && json["verdict"] is String)
        let html = BacktestCommand.html(report)
        #expect(html.hasPrefix("<!doctype html>") && html.contains("class=\"verdict\""))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        #expect(BacktestCommand.text(report).last?.hasPrefix("verdict: no evidence of edge") == true)
    }
}
