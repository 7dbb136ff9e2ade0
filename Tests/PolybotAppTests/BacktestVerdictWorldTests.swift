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
                    "POLYBOT_FIXED_ORDER_USDC": "50",
                    "POLYBOT_MIGRATIONS_DIR": SharedData.repositoryRoot.appendingPathComponent("migrations").path,
                ], file: nil))
    }

    static func options(minMembers: Int, seed: UInt64) throws -> BacktestCommand.Options {
        try BacktestCommand.options(
            trades: "generated", markets: "generated", from: nil, to: nil, rescoreEvery: "1d", basket: "top:8",
            minMembers: minMembers, minNotional: "1000", fees: "2026", baselines: true, seed: seed)
    }

    @Test func favouriteBuyersAtCalibratedPricesAreNeverCalledEdge() throws {
        let config = try Self.config()
        var significant = 0
        var baselineSignificant = 0
        let seeds: [UInt64] = Array(1...8)
        for seed in seeds {
            let world = CopyWorld(options: .init(kind: .favourites, seed: seed))
            let (_, e) = try BacktestCommand.evidenceOnly(
                config: config, options: try Self.options(minMembers: 1, seed: seed), all: world.trades(),
                resolutions: world.resolutions, logger: Logger(label: "test.verdict"))
            significant += e.verdict.edgeSignificant ? 1 : 0
            baselineSignificant += e.everyWhale.edgeSignificant ? 1 : 0
            print(
                "favourites seed \(seed): walk-forward \(e.main.signals) signals, \(e.main.eventTest.events) events; every whale \(e.everyWhale.signals) signals, \(e.everyWhale.eventTest.events) events, return \(e.everyWhale.eventTest.returnOnCost ?? .nan), p \(e.everyWhale.eventTest.pValue); verdict: \(e.verdict.sentence)"
            )
        }
        #expect(significant == 0 && baselineSignificant == 0)
    }

    @Test func skilledWalletsThatBeatThePriceWidelyAreFound() throws {
        let config = try Self.config()
        for seed: UInt64 in [7, 8, 9] {
            let world = CopyWorld(options: .init(kind: .skilled(edge: 0.2), seed: seed))
            let (rescorings, e) = try BacktestCommand.evidenceOnly(
                config: config, options: try Self.options(minMembers: 1, seed: seed), all: world.trades(),
                resolutions: world.resolutions, logger: Logger(label: "test.verdict"))
            let skilled = Set(world.skilledWallets.map(\.hex))
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
