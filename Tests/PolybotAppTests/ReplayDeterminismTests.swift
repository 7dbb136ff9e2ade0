import Foundation
import Logging
import PolybotApp
import PolybotCore
import PolybotTestSupport
import PolymarketSim
import Testing

/// Issue 15, "One event-time engine": `polybot replay` gives the same report, byte for byte, at `--speed 60`, `600`
/// and `max`, because every stage reads the replay's market clock and each trade is handled to the end before the next.
@Suite("Replay is the same at every speed")
struct ReplayDeterminismTests {
    /// A 15-minute generated history (so 60× takes 15 s), with its resolutions, written to a temporary directory.
    static func history() throws -> (trades: String, resolutions: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replay-determinism-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let generator = TradeHistoryGenerator(
            options: .init(
                trades: 3_000, wallets: 120, markets: 3, seed: 15, start: 1_760_000_000, span: 900, informedShare: 0.2,
                marketMakerShare: 0.02, botShare: 0.02))
        var lines = [TradeFileWriter.csvHeader]
        generator.generate { lines.append(TradeFileWriter.csvRow($0)) }
        let trades = dir.appendingPathComponent("trades.csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: trades, atomically: true, encoding: .utf8)
        let resolutions = dir.appendingPathComponent("resolutions.csv").path
        let rows =
            [TradeFileWriter.resolutionsHeader]
            + generator.markets.map { TradeFileWriter.resolutionRow($0, resolvedAt: "") }
        try (rows.joined(separator: "\n") + "\n").write(toFile: resolutions, atomically: true, encoding: .utf8)
        return (trades, resolutions)
    }

    static func config() throws -> AppConfiguration {
        try AppConfiguration(
            source: ConfigurationSource(
                environment: [
                    "POLYBOT_SIZING_MODE": "fixed", "POLYBOT_FIXED_ORDER_USDC": "100",
                ], file: nil))
    }

    @Test func theJSONReportIsIdenticalAtSixtySixHundredAndMax() async throws {
        let (trades, resolutions) = try Self.history()
        let config = try Self.config()
        var reports: [String: String] = [:]
        for speed in ["max", "600", "60"] {
            let options = try ReplayCommand.options(
                trades: trades, markets: resolutions, speed: speed, wallets: [], basketSize: 10, minMembers: 2,
                minNotional: "100", timeZone: "UTC")
            let report = try await withThrowawayCluster {
                try await ReplayCommand.run(
                    config: config, options: options, logger: Logger(label: "test.replay.\(speed)"))
            }
            reports[speed] = ReplayCommand.json(report)
            if speed == "max" {
                // Not an empty comparison: the history fires signals that fill, and every fill pays the 2026 fee.
                #expect(report.fills.count >= 1, "report: \(reports[speed] ?? "")")
                for f in report.fills { #expect((Micros(decimal: f.fee) ?? .zero) > .zero, "fill \(f.orderId)") }
            }
        }
        let maxReport = try #require(reports["max"])
        #expect(reports["600"] == maxReport)
        #expect(reports["60"] == maxReport)
    }
}
