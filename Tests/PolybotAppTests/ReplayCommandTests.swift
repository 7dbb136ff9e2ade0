import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotTestSupport
import Testing

/// `polybot replay` on the Nobel 2025 history: the daemon's pipeline in paper mode on the event-time engine, with the
/// venue's 2026 fee schedule (the Nobel markets read as politics: rate 0.04, exponent 1).
@Suite(
    "polybot replay over the Nobel dataset",
    .enabled(if: SharedData.runs, Comment(rawValue: SharedData.skipReason)))
struct ReplayCommandTests {
    @Test func paperFillsComeFromTheTapeAndEachSignalReportsItsCopyDelayCost() async throws {
        let config = try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_SIZING_MODE": "fixed", "POLYBOT_FIXED_ORDER_USDC": "50",
                ], file: nil))
        let options = try ReplayCommand.options(
            trades: SharedData.path("nobel2025_trades.data-api.csv"),
            markets: SharedData.path("nobel2025_resolutions.derived.csv"),
            // As fast as the machine goes: market time, so the outcome no longer depends on the machine's speed.
            speed: "max", wallets: [], basketSize: 12, minMembers: 2, minNotional: "1000", timeZone: "UTC")
        let report = try await withThrowawayCluster {
            try await ReplayCommand.run(config: config, options: options, logger: Logger(label: "test.replay"))
        }
        #expect(report.trades == 1_500 && report.basket.count == 12 && report.feePlan == "2026")
        let filled = report.signals.filter { $0.status == "filled" }
        #expect(!filled.isEmpty, "signals: \(report.signals)")
        #expect(report.settledPositions >= 1)
        // Every fill pays the taker fee, listed per fill and in the total.
        #expect(!report.fills.isEmpty)
        var total = Micros.zero
        for f in report.fills {
            let fee = try #require(Micros(decimal: f.fee))
            let shares = try #require(Micros(decimal: f.shares))
            let price = try #require(Micros(decimal: f.price))
            // Between the fee of the whole fill at its average price (floored once) and that plus one 0.00001 step per
            // book level (each level is charged on its own): p(1 − p) is concave, so per-level fees never exceed it by more.
            let atAverage = try #require(
                FeeSchedule(rate: Micros(40_000), exponent: 1)?.takerFee(shares: shares, price: price))
            #expect(
                fee > .zero && fee <= atAverage + Micros(50), "fill \(f.orderId): fee \(fee), at average \(atAverage)")
            total += fee
        }
        #expect(Micros(decimal: report.feesTotal) == total)
        for s in filled {
            let shares = try #require(s.shares.flatMap { Micros(decimal: $0) })
            let cost = try #require(s.cost.flatMap { Micros(decimal: $0) })
            let ours = try #require(s.ourPrice.flatMap { Micros(decimal: $0) })
            let whales = try #require(Micros(decimal: s.whalePrice))
            let delay = try #require(s.copyDelayCost.flatMap { Micros(decimal: $0) })
            // $50 fixed, on the 0.01-share lot, filled from later prints no worse than the whales' price + the 5¢
            // slippage cap (an average over prints need not sit on the tick).
            #expect(cost <= shares.multiplied(by: whales + Micros(50_000)) && shares.raw % 10_000 == 0)
            #expect(ours > .zero && ours <= whales + Micros(50_000))
            // The copy-delay cost is exactly what we paid over the whales' average for the same shares.
            #expect(delay == cost - shares.multiplied(by: whales))
        }
        let text = ReplayCommand.text(report)
        #expect(text.contains { $0.hasPrefix("copy-delay cost total:") })
    }
}
