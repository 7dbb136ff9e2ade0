import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotTestSupport
import PolymarketSim
import Testing

/// The verdict on generated worlds (``CopyWorld``), through the backtest's evidence path (walk-forward rescorings at
/// the replay clock's times, then every basket on the pure path): no edge where there is none, edge where skilled
/// wallets beat the price widely and often.
@Suite("Backtest verdict on generated worlds")
struct BacktestVerdictWorldTests {
    static func config() throws -> AppConfiguration {
        try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_FIXED_ORDER_USDC": "50"
                ], file: nil))
    }

    static func options(minMembers: Int, seed: UInt64, basket: String = "top:8") throws -> BacktestCommand.Options {
        try BacktestCommand.options(
            trades: "generated", markets: "generated", from: nil, to: nil, rescoreEvery: "1d", basket: basket,
            minMembers: minMembers, minNotional: "1000", fees: "2026", baselines: true, seed: seed)
    }

    @Test func copyingFavouriteBuyersPickedByMarkoutIsNeverCalledEdge() async throws {
        // The markout rule has no false-discovery control: in the favourites world it picks whales whose buys the
        // prints followed up, and the walk-forward copies them. The verdict must still find nothing.
        let config = try Self.config()
        let seeds: [UInt64] = Array(1...5)
        let runs = try await offPool {
            try seeds.map { seed -> CopyBacktest.Evidence in
                let world = CopyWorld(options: .init(kind: .favourites, seed: seed))
                return try BacktestCommand.evidenceOnly(
                    config: config, options: try Self.options(minMembers: 1, seed: seed, basket: "markout:8"),
                    all: world.trades(), resolutions: world.resolutions, logger: Logger(label: "test.verdict")
                ).evidence
            }
        }
        var copied = 0
        for (seed, e) in zip(seeds, runs) {
            print(
                "favourites by markout, seed \(seed): walk-forward \(e.main.signals) signals over \(e.main.eventTest.events) events, return \(e.main.eventTest.returnOnCost ?? .nan), event p \(e.main.eventTest.pValue), paired p \(e.verdict.paired.pValue), rank p \(e.verdict.rank.pValue); random baskets passing their own event test \(e.random.ownTestPassShare)"
            )
            copied += e.main.signals
            #expect(!e.verdict.edgeSignificant && !e.everyWhale.edgeSignificant, "seed \(seed)")
        }
        #expect(copied > 0, "the markout baskets copied nothing: the check would be empty")
    }

    @Test func favouriteBuyersAtCalibratedPricesAreNeverCalledEdge() async throws {
        let config = try Self.config()
        let seeds: [UInt64] = Array(1...8)
        let runs = try await offPool {
            try seeds.map { seed -> CopyBacktest.Evidence in
                let world = CopyWorld(options: .init(kind: .favourites, seed: seed))
                return try BacktestCommand.evidenceOnly(
                    config: config, options: try Self.options(minMembers: 1, seed: seed), all: world.trades(),
                    resolutions: world.resolutions, logger: Logger(label: "test.verdict")
                ).evidence
            }
        }
        for (seed, e) in zip(seeds, runs) {
            print(
                "favourites seed \(seed): walk-forward \(e.main.signals) signals, \(e.main.eventTest.events) events; every whale \(e.everyWhale.signals) signals, \(e.everyWhale.eventTest.events) events, return \(e.everyWhale.eventTest.returnOnCost ?? .nan), p \(e.everyWhale.eventTest.pValue); verdict: \(e.verdict.sentence)"
            )
            #expect(!e.verdict.edgeSignificant && !e.everyWhale.edgeSignificant, "seed \(seed)")
            #expect(!e.main.edgeSignificant && !(e.hindsight?.edgeSignificant ?? false), "seed \(seed)")
            // Random baskets with the walk-forward's schedule: their own event test passes no more than its level.
            #expect(e.random.ownTestPassShare <= EventTest.alpha, "seed \(seed)")
        }
    }

    @Test func skilledWalletsThatBeatThePriceWidelyAreFound() async throws {
        let config = try Self.config()
        let seeds: [UInt64] = [7, 8, 9]
        let runs = try await offPool {
            try seeds.map { seed -> (Set<String>, [Rescoring], CopyBacktest.Evidence) in
                let world = CopyWorld(options: .init(kind: .skilled(edge: 0.2), seed: seed))
                let (rescorings, e) = try BacktestCommand.evidenceOnly(
                    config: config, options: try Self.options(minMembers: 1, seed: seed), all: world.trades(),
                    resolutions: world.resolutions, logger: Logger(label: "test.verdict"))
                return (Set(world.skilledWallets.map(\.hex)), rescorings, e)
            }
        }
        for (seed, (skilled, rescorings, e)) in zip(seeds, runs) {
            let picked = Set(rescorings.flatMap(\.basket))
            print(
                "skilled world seed \(seed): picked \(picked.count), \(picked.intersection(skilled).count) skilled; walk-forward \(e.main.signals) signals, \(e.main.filled) filled, \(e.main.eventTest.events) events; every whale \(e.everyWhale.eventTest.returnOnCost ?? .nan); verdict: \(e.verdict.sentence)"
            )
            #expect(e.verdict.edgeSignificant, "seed \(seed)")
            // The hindsight basket is never called significant: it could not have been known.
            #expect(e.hindsight.map { !$0.edgeSignificant } ?? false)
        }
    }
}

/// The whole command — the walk-forward through the daemon's pipeline with fills from the tape, then the verdict —
/// on generated worlds.
@Suite("polybot backtest on generated worlds")
struct BacktestCommandWorldTests {
    /// Writes a world's files and runs `polybot backtest` on them with `--min-members 1`.
    static func backtest(_ world: CopyWorld, seed: UInt64) async throws -> BacktestCommand.Report {
        try await withWorldFiles(trades: world.trades(), resolutionRows: world.resolutionRows()) { trades, markets in
            let options = try BacktestCommand.options(
                trades: trades, markets: markets, from: nil, to: nil, rescoreEvery: "1d", basket: "top:8",
                minMembers: 1, minNotional: "1000", fees: "2026", baselines: true, seed: seed)
            return try await withThrowawayCluster {
                try await BacktestCommand.run(
                    config: try BacktestVerdictWorldTests.config(), options: options,
                    logger: Logger(label: "test.backtest"))
            }
        }
    }

    @Test func fillsAreAtTheLaterPrintsAndTheSkilledBasketIsEdge() async throws {
        // Every whale buy is followed by prints 4 ¢ above it, inside the 5 ¢ cap.
        var o = CopyWorld.Options(kind: .skilled(edge: 0.2), seed: 7)
        o.followCents = [4]
        let report = try await Self.backtest(CopyWorld(options: o), seed: 7)
        let filled = report.signals.filter { ($0.shareFilled ?? 0) > 0 }
        #expect(filled.count >= 30, "filled \(filled.count) of \(report.signals.count)")
        var atPrint = 0
        for s in filled {
            let ours = try #require(s.ourPrice.flatMap { Micros(decimal: $0) })
            let whale = try #require(Micros(decimal: s.whalePrice))
            // Never the whale's price plus a tick: the prints that followed, 4 ¢ up.
            #expect(ours != whale + Micros(10_000), "signal \(s.signalId)")
            if ours == whale + Micros(40_000) { atPrint += 1 }
        }
        print("tape world: \(atPrint) of \(filled.count) filled copies at the whale's price + 4 ¢; \(report.verdict)")
        #expect(Double(atPrint) >= 0.9 * Double(filled.count))
        #expect(report.edgeSignificant, "\(report.verdict)")
        let text = BacktestCommand.text(report)
        #expect(
            text.contains { $0.hasPrefix("sensitivity") } && text.last?.hasPrefix("verdict: edge after fees") == true)
    }

    @Test func withNoLaterPrintInsideTheLimitTheCopyIsUnfilled() async throws {
        // Every whale buy is followed by prints 10 ¢ above it, beyond the 5 ¢ cap.
        var o = CopyWorld.Options(kind: .skilled(edge: 0.2), seed: 8)
        o.followCents = [10]
        o.events = 80
        let report = try await Self.backtest(CopyWorld(options: o), seed: 8)
        let entered = report.signals.filter { $0.shareFilled != nil }
        let unfilled = entered.filter { $0.shareFilled == 0 }
        print("tape world, prints 10 ¢ up: \(unfilled.count) of \(entered.count) copies unfilled")
        #expect(entered.count >= 30 && Double(unfilled.count) >= 0.9 * Double(entered.count))
        #expect(
            unfilled.allSatisfy {
                ($0.unfilled ?? "").contains("no_print_within_limit") || ($0.unfilled ?? "").contains("no_later_print")
            })
        #expect(!report.edgeSignificant)
    }
}
